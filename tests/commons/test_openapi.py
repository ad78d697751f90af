"""/api/v1/openapi.json: a valid OpenAPI 3.1 document describing every /api/v1 route, generated
from the same schemas that validate requests."""
from __future__ import annotations

import re

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from tests.conftest import local, next_weekday


@pytest.fixture
def doc(anon):
    r = anon.get("/openapi.json")
    assert r.status_code == 200
    assert r.content_type.startswith("application/json")
    return r.get_json()


def resolve(doc, schema):
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = doc["components"]["schemas"][name]
    return schema


def test_is_a_valid_openapi_31_document(doc):
    assert doc["openapi"].startswith("3.1")
    validate(doc, cls=OpenAPIV31SpecValidator)  # raises on any error
    errors = list(OpenAPIV31SpecValidator(doc).iter_errors())
    assert errors == []


def api_routes(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") and rule.rule != "/api/v1":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method.lower(), path))
    return routes


def test_documents_every_api_route(app, doc):
    routes = api_routes(app)
    assert ("post", "/api/v1/bookings") in routes and ("get", "/api/v1/spaces/{space_id}/availability") in routes
    documented = {(method, path) for path, ops in doc["paths"].items() for method in ops if method != "parameters"}
    assert routes - documented == set(), "routes missing from openapi.json"
    assert documented - routes == set(), "openapi.json documents routes the app does not have"


def test_path_parameters_are_declared(doc):
    for path, ops in doc["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        for method, op in ops.items():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == names, (method, path)


def test_booking_request_schema(doc):
    op = doc["paths"]["/api/v1/bookings"]["post"]
    assert op["requestBody"]["required"] is True
    schema = resolve(doc, op["requestBody"]["content"]["application/json"]["schema"])
    assert {"space_id", "title", "start", "end"} <= set(schema["required"])
    # group_id, or (staff, for a person at the counter) contact_name and contact_phone: issue 21
    assert {"group_id", "contact_name", "contact_phone", "attendees", "public_title", "rrule", "on_conflict", "purpose",
            "age_groups"} & set(schema["required"]) == set()
    props = schema["properties"]
    assert set(props) == {"space_id", "group_id", "title", "start", "end", "attendees", "public_title", "rrule", "on_conflict",
                          "purpose", "age_groups", "contact_name", "contact_phone"}
    assert schema.get("additionalProperties") is False
    assert props["on_conflict"]["enum"] == ["reject", "skip"]
    assert props["public_title"]["type"] == "boolean" and props["public_title"]["default"] is False
    assert "201" in op["responses"] and "409" in op["responses"] and "422" in op["responses"]
    assert op["security"]


def test_documented_answer_matches_a_real_answer(doc, make_user, make_group, make_space):
    """The 201 schema of POST /bookings names exactly the keys a real answer has."""
    group, space = make_group(), make_space()
    day = next_weekday(1)
    r = make_user("member", groups=[group]).post("/bookings", {"space_id": space, "group_id": group, "title": "T",
                                                              "start": local(day, "18:00"), "end": local(day, "19:00")})
    assert r.status_code == 201
    schema = resolve(doc, doc["paths"]["/api/v1/bookings"]["post"]["responses"]["201"]["content"]["application/json"]["schema"])
    assert set(schema["properties"]) == set(r.get_json())


def test_list_query_parameters(doc):
    params = {p["name"]: p for p in doc["paths"]["/api/v1/spaces"]["get"]["parameters"]}
    assert {"district", "min_capacity", "accessibility", "equipment", "free_from", "free_to"} <= set(params)
    assert params["accessibility"]["schema"]["type"] == "array"
    params = {p["name"] for p in doc["paths"]["/api/v1/bookings"]["get"]["parameters"]}
    assert {"space_id", "group_id", "from", "to", "status"} <= params


def test_every_error_status_a_route_can_answer_is_documented(doc):
    """Found by tests/security/test_fuzz_api.py: a change refused by a rule or by the thing's state (a
    cancelled shift, no volunteer profile yet) answers 422 even without a body, and GET
    /volunteers/me answers 404 before a profile exists."""
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method != "get":
                assert "422" in op["responses"], (method, path)
    assert "404" in doc["paths"]["/api/v1/volunteers/me"]["get"]["responses"]
    assert "404" not in doc["paths"]["/api/v1/me"]["get"]["responses"]


def test_no_request_number_takes_true_or_false():
    """Every request model refuses JSON true/false for a number field (pydantic alone reads true as 1)."""
    import pydantic

    import calendars.api  # noqa: F401
    import commons.api  # noqa: F401
    import spaces.api  # noqa: F401
    import spaces.report_api  # noqa: F401
    import volunteers.api  # noqa: F401
    from commons.apispec import ENDPOINTS
    from commons.schemas import In, _is_number

    checked = 0
    for ep in ENDPOINTS:
        for model in (ep.body, ep.query):
            if not (isinstance(model, type) and issubclass(model, pydantic.BaseModel)):
                continue
            assert issubclass(model, In) or model.__name__ == "PageQuery", f"{model.__name__} should derive from commons.schemas.In"
            for name, field in model.model_fields.items():
                if not _is_number(field.annotation):
                    continue
                with pytest.raises(pydantic.ValidationError) as err:
                    model.model_validate({field.alias or name: True})
                assert any(e["loc"][:1] == (field.alias or name,) and "true or false" in e["msg"] for e in err.value.errors()), (model.__name__, name)
                checked += 1
    assert checked >= 20
