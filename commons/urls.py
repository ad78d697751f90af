"""Where a page may send a person next."""
from __future__ import annotations

from flask import url_for


def safe_next(target: str | None, default: str | None = None) -> str:
    """A path on this site to go back to (a `next` parameter or form field); anything else (another
    site, //host, /\\host, control characters, nothing) gives `default`, else the front page."""
    if (
        target
        and target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and not any(c in target for c in "\r\n\t\x00")
    ):
        return target
    return default if default is not None else url_for("commons.index")
