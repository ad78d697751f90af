"""Refusals are codes, words are per language: the registry of codes and how they are said.

A rule or a service says *what* is wrong as a stable `code` and the values it needs as `params`
(plain JSON values: numbers, strings, ISO 8601 times with their offset). It never writes a
sentence. The sentence of each code lives in its package's `messages.py` (commons' own in
commons/messages.py), registered here with
`@message(code, **example_params)`, written with Flask-Babel's gettext so it is said in the
reader's language (fi, sv, en) and with the language's own way of writing times (fi 17.00, sv 17:00).

- `say(code, params)`: the sentence in the current language (the page's, an e-mail's recipient's
  under `force_locale`).
- `english(code, params)`: the same in English, for the API's `message` and for logs.
- `Said(code, params)`: a code with its params as a value, e.g. a field's refusal in `Invalid(fields=...)`.

`tests/i18n/test_every_code.py` walks every code the rules and services can produce (found in the
source) in every language with the example params given at registration. It finds a code written
as `reason="..."` of an ApiError (and its subclasses), `Said("...")`, `Problem(kind, "...")`,
`RRuleError("...")`, `NotACalendar("...")`, `BadTimezone("...")` and the like (the test's CODE_FIRST),
`PydanticCustomError("...")` or `@message("...")`: write codes so.

This module knows no domain: each package registers its own codes (imported by `create_app`).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

log = logging.getLogger(__name__)

Params = Mapping[str, Any]
Renderer = Callable[[Params], str]


@dataclass(frozen=True)
class Entry:
    code: str
    render: Renderer
    example: dict[str, Any]
    module: str


_ENTRIES: dict[str, Entry] = {}


def message(code: str, **example: Any) -> Callable[[Renderer], Renderer]:
    """Register the sentence of `code`: a function of the params that returns it in the current
    language. `example` are params that make a realistic sentence (the tests say it in every language)."""

    def register(render: Renderer) -> Renderer:
        old = _ENTRIES.get(code)
        if old is not None and old.module != render.__module__:
            raise ValueError(f"message code {code!r} is registered twice ({old.module} and {render.__module__})")
        _ENTRIES[code] = Entry(code, render, dict(example), render.__module__)
        return render

    return register


def entries() -> dict[str, Entry]:
    """Every registered code (for the tests and the documentation)."""
    return dict(_ENTRIES)


def is_known(code: str | None) -> bool:
    return code is not None and code in _ENTRIES


def say(code: str, params: Params | None = None) -> str:
    """The sentence of `code` in the current language. An unknown code (a bug: the tests walk every
    code) still gives a sentence, never an error page."""
    entry = _ENTRIES.get(code)
    if entry is None:
        from flask_babel import gettext

        log.warning("No words for message code %r", code)
        return gettext("This cannot be done (%(code)s).", code=code)
    return entry.render(params or {})


def english(code: str, params: Params | None = None) -> str:
    """The sentence of `code` in English (the API's `message`), whatever the request's language."""
    from flask import has_app_context
    from flask_babel import force_locale

    if not has_app_context():  # outside the app gettext is the identity: English already
        return say(code, params)
    with force_locale("en"):
        return say(code, params)


@dataclass(frozen=True)
class Said:
    """A code with its params, as a value (a field's refusal, a skipped date's reason)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        return say(self.code, self.params)

    def english(self) -> str:
        return english(self.code, self.params)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": jsonable(self.params)}


def jsonable(value: Any) -> Any:
    """Params as JSON values: times and dates as ISO 8601 (times keep their offset)."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    return value
