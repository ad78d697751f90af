"""JSON endpoints declared once with pydantic schemas: the same declarations validate requests,
serialise answers and are published as OpenAPI 3 at /api/v1/openapi.json."""
from __future__ import annotations

import functools
import json
import re
import typing
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlencode

from flask import Blueprint, Response, request
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

import commons.messages  # noqa: F401  (the words of the codes said here)
from commons.codes import Said, is_known
from commons.errors import ApiError, Invalid


@dataclass
class Endpoint:
    rule: str
    method: str
    summary: str
    description: str
    tag: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: Any
    status: int
    auth: bool
    raw_body: str | None  # media type of a body that is not JSON (e.g. text/calendar)
    errors: tuple[int, ...] = ()  # error statuses the rules below cannot guess (e.g. 404 for "no profile yet")


ENDPOINTS: list[Endpoint] = []
API_PREFIX = "/api/v1"

# --- Pages of a list (docs/security.md "Limits"): every endpoint answering an array takes limit and offset ------

MAX_PAGE = 500  # the largest `limit` of a list (GET /bookings: 2000; matches and candidates: 200)
MAX_OFFSET = 2**31 - 1


class PageQuery(BaseModel):
    """`limit` and `offset` of a list. A query model of a list endpoint declares the same two fields
    (inheriting this class, or with its own bounds); an endpoint without a query model gets this one,
    which ignores other parameters as the endpoint always did."""

    model_config = ConfigDict(extra="ignore")
    limit: int = Field(MAX_PAGE, ge=1, le=MAX_PAGE, description=f"at most this many items (1..{MAX_PAGE}); the rest via the Link rel=\"next\" header")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="skip this many items first")


@dataclass
class Page:
    """A view's list when it paged it itself (in SQL): `total` is None when counting would cost."""

    items: list
    limit: int
    offset: int
    total: int | None = None


def is_list_response(response: Any) -> bool:
    return typing.get_origin(response) is list


def _page_headers(page: Page) -> dict[str, str]:
    """X-Total-Count when known, and RFC 8288 Link rel="next"/"prev" with the same query otherwise."""
    headers: dict[str, str] = {}
    if page.total is not None:
        headers["X-Total-Count"] = str(page.total)
        more = page.offset + len(page.items) < page.total
    else:
        more = len(page.items) >= page.limit
    args = [(k, v) for k in request.args for v in request.args.getlist(k) if k not in ("limit", "offset")]

    def link(offset: int, rel: str) -> str:
        query = urlencode(args + [("limit", page.limit), ("offset", offset)])
        return f'<{request.base_url}?{query}>; rel="{rel}"'

    links = []
    if more:
        links.append(link(page.offset + page.limit, "next"))
    if page.offset > 0:
        links.append(link(max(0, page.offset - page.limit), "prev"))
    if links:
        headers["Link"] = ", ".join(links)
    return headers


def fields_from(exc: ValidationError) -> dict[str, str]:
    """Each refused field with pydantic's own English words (the API's `fields`)."""
    fields: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        fields.setdefault(loc, msg)
    return fields


# pydantic's error types -> the codes whose words commons.messages registers (several types say the
# same thing to a person). A type not listed here that is a registered code is one of our own
# validators' (a PydanticCustomError); anything else is said as "invalid_value".
PYDANTIC_CODES = {
    "missing": "missing", "missing_argument": "missing",
    "extra_forbidden": "extra_forbidden", "unexpected_keyword_argument": "extra_forbidden",
    "int_parsing": "int_parsing", "int_type": "int_parsing", "int_from_float": "int_parsing",
    "int_parsing_size": "int_parsing",
    "float_parsing": "float_parsing", "float_type": "float_parsing", "finite_number": "float_parsing",
    "decimal_parsing": "float_parsing", "decimal_type": "float_parsing",
    "bool_parsing": "bool_parsing", "bool_type": "bool_parsing",
    "string_type": "string_type", "string_unicode": "string_type", "string_sub_type": "string_type",
    "list_type": "list_type", "tuple_type": "list_type", "set_type": "list_type", "iterable_type": "list_type",
    "dict_type": "dict_type", "model_type": "dict_type", "model_attributes_type": "dict_type",
    "dataclass_type": "dict_type",
    "date_parsing": "date_parsing", "date_type": "date_parsing", "date_from_datetime_parsing": "date_parsing",
    "date_from_datetime_inexact": "date_parsing",
    "datetime_parsing": "datetime_parsing", "datetime_type": "datetime_parsing",
    "datetime_from_date_parsing": "datetime_parsing", "datetime_object_invalid": "datetime_parsing",
    "time_parsing": "time_parsing", "time_type": "time_parsing",
    "string_too_short": "string_too_short", "string_too_long": "string_too_long",
    "string_pattern_mismatch": "string_pattern_mismatch",
    "too_short": "list_too_short", "too_long": "list_too_long",
    "greater_than": "greater_than", "greater_than_equal": "greater_than_equal",
    "less_than": "less_than", "less_than_equal": "less_than_equal",
    "literal_error": "one_of", "enum": "one_of",
    "value_error": "invalid_value", "assertion_error": "invalid_value",
}


def said_of(error: dict) -> Said:
    """One pydantic error (an item of `ValidationError.errors()`) as a code with params, so that a
    page says it in its language: the code from the error's type, the params from its context
    (plain values only: `ge`, `max_length`, ...; the allowed values of a choice as a list)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    code = PYDANTIC_CODES.get(kind) or (kind if is_known(kind) else "invalid_value")
    if code == "one_of":
        return Said(code, {"allowed": re.findall(r"'([^']*)'", str(ctx.get("expected", "")))})
    return Said(code, {k: v for k, v in ctx.items() if _plain(v)})


def _plain(value: Any) -> bool:
    """A value a refusal's params can carry (JSON): not the exception a validator raised."""
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    return isinstance(value, (str, int, float, bool))


def field_saids(exc: ValidationError) -> dict[str, Said]:
    """Each refused field's first error as a code with params (see `said_of`)."""
    fields: dict[str, Said] = {}
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err["loc"]) or "body"
        fields.setdefault(loc, said_of(err))
    return fields


def invalid(exc: ValidationError) -> Invalid:
    """A 422 for what pydantic refused: `fields` keep pydantic's English words (the API as it was),
    `field_codes` give each field's refusal as a code with params (words per language)."""
    types = {err["type"] for err in exc.errors(include_url=False)}
    params = {"fields": sorted(fields_from(exc))}
    if types == {"bidi_control"}:
        err = Invalid(code="bidi_control", reason="bidi_control", params=params, fields=field_saids(exc))
    else:
        err = Invalid(reason="fields_invalid", params=params, fields=field_saids(exc))
    err.fields = fields_from(exc)
    return err


def _nul_at(data: Any) -> str | None:
    """Where a NUL character hides in decoded JSON or a query (PostgreSQL text cannot store one)."""
    stack = [("", data)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return loc or "body"
        elif isinstance(value, dict):
            for key, sub in value.items():
                stack.append((f"{loc}.{key}" if loc else str(key), key))
                stack.append((f"{loc}.{key}" if loc else str(key), sub))
        elif isinstance(value, list):
            stack.extend((f"{loc}.{i}" if loc else str(i), sub) for i, sub in enumerate(value))
    return None


def _refuse_nul(data: Any) -> None:
    loc = _nul_at(data)
    if loc:
        raise Invalid(reason="nul_character", fields={loc: Said("nul_character")})


def _json_body(model: type[BaseModel]) -> BaseModel:
    raw = request.get_data(cache=True)
    if not raw.strip():
        data: Any = {}
    else:
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise ApiError(reason="bad_json", code="bad_json", status=400) from None
    if not isinstance(data, dict):
        raise ApiError(reason="json_not_object", code="bad_json", status=400)
    _refuse_nul(data)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc) from None


def _query(model: type[BaseModel]) -> BaseModel:
    data: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        annotation = model.model_fields.get(key)
        is_list = annotation is not None and "list" in str(annotation.annotation)
        data[key] = values if is_list else values[-1]
    _refuse_nul(data)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc) from None


def api_route(
    bp: Blueprint,
    rule: str,
    method: str = "GET",
    *,
    summary: str,
    description: str = "",
    tag: str = "",
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: Any = None,
    status: int = 200,
    auth: bool = False,
    raw_body: str | None = None,
    errors: tuple[int, ...] = (),
) -> Callable:
    """Register a JSON view. The view receives `body=` and/or `query=` (validated models) and
    returns a value of `response` (models, lists of models or plain JSON), or (value, status)."""

    paged = is_list_response(response)
    if paged and query is not None:
        missing = {"limit", "offset"} - set(query.model_fields)
        assert not missing, f"{rule}: a list's query model needs limit and offset (commons.apispec.PageQuery)"

    def decorate(fn: Callable) -> Callable:
        adapter = TypeAdapter(response) if response is not None else None

        @functools.wraps(fn)
        def view(**kwargs):
            if auth:
                from commons.auth import require_user

                require_user()
            if body is not None:
                kwargs["body"] = _json_body(body)
            page_query = None
            if query is not None:
                kwargs["query"] = page_query = _query(query)
            elif paged:
                page_query = _query(PageQuery)
            result = fn(**kwargs)
            if isinstance(result, Response):  # another format asked for (e.g. ?format=csv): as the view made it
                return result
            code = status
            if isinstance(result, tuple):
                result, code = result
            headers = {"Content-Type": "application/json"}
            if paged:
                if not isinstance(result, Page):  # the whole list: this page of it
                    limit, offset = page_query.limit, page_query.offset
                    result = Page(list(result)[offset : offset + limit], limit, offset, total=len(result))
                headers.update(_page_headers(result))
                result = result.items
            payload = adapter.dump_python(result, mode="json") if adapter else result
            return json.dumps(payload, ensure_ascii=False), code, headers

        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=[method])
        ENDPOINTS.append(
            Endpoint(
                rule=(bp.url_prefix or "") + rule,
                method=method.lower(),
                summary=summary,
                description=description or (fn.__doc__ or "").strip(),
                tag=tag or bp.name,
                body=body,
                query=query,
                response=response,
                status=status,
                auth=auth,
                raw_body=raw_body,
                errors=errors,
            )
        )
        return view

    return decorate


# --- OpenAPI -----------------------------------------------------------------------------------

_REF = "#/components/schemas/{model}"


def _schema(tp: Any, components: dict, mode: str) -> dict:
    schema = TypeAdapter(tp).json_schema(ref_template=_REF, mode=mode)
    for name, sub in schema.pop("$defs", {}).items():
        components.setdefault(name, sub)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        components.setdefault(tp.__name__, schema)
        return {"$ref": _REF.format(model=tp.__name__)}
    return schema


def _openapi_path(rule: str) -> tuple[str, list[dict]]:
    params = []

    def repl(m: re.Match) -> str:
        conv, name = m.group(1), m.group(2)
        params.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "integer"} if conv == "int" else {"type": "string"},
            }
        )
        return "{" + name + "}"

    path = re.sub(r"<(?:(\w+):)?(\w+)>", repl, rule)
    return path, params


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string", "description": "in English; pages say `reason` in the reader's language"},
                "reason": {"type": "string", "description": "the specific refusal, a stable code (e.g. too_short, booking_not_found)"},
                "params": {"type": "object", "description": "the values the refusal names (numbers, codes, ISO 8601 times)"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                "field_codes": {
                    "type": "object",
                    "description": "each field's refusal as {code, params}",
                    "additionalProperties": {
                        "type": "object",
                        "properties": {"code": {"type": "string"}, "params": {"type": "object"}},
                    },
                },
                "conflicts": {"type": "array", "items": {"type": "object"}},
                "violations": {"type": "array", "items": {"type": "object"}},
            },
        }
    },
}


def openapi_document() -> dict:
    components: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, dict] = {}
    for ep in ENDPOINTS:
        path, params = _openapi_path(ep.rule)
        op: dict[str, Any] = {
            "summary": ep.summary,
            "operationId": f"{ep.method}_{path.strip('/').replace('/', '_').replace('{', '').replace('}', '')}",
            "tags": [ep.tag],
            "parameters": list(params),
            "responses": {},
        }
        if ep.description:
            op["description"] = ep.description
        query_model = ep.query if ep.query is not None else (PageQuery if is_list_response(ep.response) else None)
        if query_model is not None:
            qschema = query_model.model_json_schema(ref_template=_REF)
            for name, sub in qschema.pop("$defs", {}).items():
                components.setdefault(name, sub)
            required = set(qschema.get("required", []))
            for name, prop in qschema.get("properties", {}).items():
                param = {"name": name, "in": "query", "required": name in required, "schema": prop}
                if prop.get("type") == "array":
                    param["explode"] = True
                op["parameters"].append(param)
        if ep.body is not None:
            op["requestBody"] = {
                "required": bool(ep.body.model_json_schema().get("required")),
                "content": {"application/json": {"schema": _schema(ep.body, components, "validation")}},
            }
        elif ep.raw_body:
            op["requestBody"] = {
                "required": True,
                "content": {ep.raw_body: {"schema": {"type": "string"}}},
            }
        ok: dict[str, Any] = {"description": "OK"}
        if ep.response is not None:
            ok["content"] = {"application/json": {"schema": _schema(ep.response, components, "serialization")}}
        if is_list_response(ep.response):
            ok["description"] = "OK: one page of the list (limit, offset)"
            ok["headers"] = {
                "Link": {"description": 'RFC 8288: rel="next" when more items follow, rel="prev" after the first page',
                         "schema": {"type": "string"}},
                "X-Total-Count": {"description": "how many items the whole list has (where counting is cheap)",
                                  "schema": {"type": "integer"}},
            }
        op["responses"][str(ep.status)] = ok
        error_ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for code, text in _error_responses(ep):
            op["responses"][code] = {"description": text, **error_ref}
        if ep.auth:
            op["security"] = [{"bearerAuth": []}, {"session": []}]
        paths.setdefault(path, {})[ep.method] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Commons API",
            "version": "1.0.0",
            "description": "Book the city's facilities free of charge. Times are ISO 8601; a time without "
            "an offset is wall-clock time in the space's zone (Europe/Helsinki).",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }


def _error_responses(ep: Endpoint) -> list[tuple[str, str]]:
    out = []
    if ep.body is not None or ep.raw_body:
        out.append(("400", "Malformed body"))
    if ep.body is not None or ep.query is not None or is_list_response(ep.response) or ep.method != "get":
        # also a change without a body: a rule or the thing's state says no (a cancelled shift, no profile yet);
        # lists: a limit over the maximum
        out.append(("422", "Invalid input, or a rule or the current state said no"))
    if ep.auth:
        out += [("401", "No or bad credentials"), ("403", "Not allowed")]
    if "<" in ep.rule or ep.body is not None:
        out.append(("404", "Not found"))
    if ep.method != "get":
        out.append(("409", "Conflicts with another booking or a closure"))
    out.append(("429", "Rate limited"))
    named = {"404": "Not found", "409": "Conflict", "413": "Too large", "415": "Unsupported media type", "422": "Invalid input"}
    for code in map(str, ep.errors):
        if code not in dict(out):
            out.append((code, named.get(code, "Error")))
    return out
