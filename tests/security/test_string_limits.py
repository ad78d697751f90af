"""Every string a client can send has a maximum length, and no maximum is larger than the database
column it is stored in (docs/security.md "Limits"). Walks every pydantic model that validates a request body or
query (and the models nested in them) and every WTForms form, and compares with the SQLAlchemy
models' column lengths. Lists in bodies have a maximum count too.

A gap would let a too-long value reach PostgreSQL, which refuses it ("value too long for type
character varying"): a 500 instead of a 422 that says what to fix (SQLite stores it silently)."""
from __future__ import annotations

import importlib
import inspect
import types
import typing
from typing import Annotated, Any, Literal, Union

import pytest
from annotated_types import MaxLen
from pydantic import BaseModel
from wtforms import FieldList, FormField
from wtforms.fields import EmailField, HiddenField, PasswordField, SearchField, StringField, TelField, TextAreaField, URLField
from wtforms.fields.core import UnboundField
from wtforms.form import BaseForm, Form
from wtforms.validators import AnyOf, Length

import calendars.api  # noqa: F401  (importing the API modules declares their endpoints)
import commons.api  # noqa: F401
import spaces.api  # noqa: F401
import spaces.report_api  # noqa: F401
import volunteers.api  # noqa: F401
from calendars.models import FeedToken
from commons.apispec import ENDPOINTS
from commons.models import Facility, Group, User
from spaces.models import Booking, BookingSeries, Closure, Space, SpaceFeature
from volunteers.models import Activity, VolunteerProfile

# --- Where each request field is stored -----------------------------------------------------------
# A model or form is compared field by field with the column of the same name on its table; the
# explicit entries name the column of a field stored under another name. A field of a model or form
# not listed is only required to have a maximum.

TABLES: dict[str, tuple] = {
    "GroupIn": (Group,),
    "FacilityIn": (Facility,),
    "SpaceIn": (Space,),
    "SpacePatch": (Space,),
    "ClosureIn": (Closure,),
    "BookingIn": (Booking, BookingSeries),
    "ProfileIn": (VolunteerProfile,),
    "ActivityIn": (Activity,),
    "ActivityPatch": (Activity,),
    # forms
    "commons.forms.SignUpForm": (User,),
    "commons.forms.ProfileForm": (User,),
    "commons.forms.GroupForm": (Group,),
    "commons.admin_views.FacilityForm": (Facility,),
    "spaces.forms.BookingForm": (Booking,),
    "spaces.staff_forms.SpaceForm": (Space,),
    "spaces.staff_forms.ClosureForm": (Closure,),
    "volunteers.forms.ProfileForm": (VolunteerProfile,),
    "volunteers.forms.ActivityForm": (Activity,),
}
COLUMNS: dict[str, Any] = {
    "MemberIn.email": User.email,
    "StaffIn.email": User.email,
    "DecisionIn.message": Booking.decision_message,
    "SpaceQuery.district": Facility.district,
    "FillPlanIn.district": Activity.district,
    "RotateIn.kind": FeedToken.kind,
    "SpaceIn.accessibility[]": SpaceFeature.code,
    "SpaceIn.equipment[]": SpaceFeature.code,
    "SpacePatch.accessibility[]": SpaceFeature.code,
    "SpacePatch.equipment[]": SpaceFeature.code,
    "SpaceQuery.accessibility[]": SpaceFeature.code,
    "SpaceQuery.equipment[]": SpaceFeature.code,
    "commons.forms.SignUpForm.email": User.email,
    "commons.forms.InviteForm.email": User.email,
    "commons.views.LoginForm.email": User.email,
    "commons.admin_views.StaffForm.email": User.email,
    "spaces.staff_views.DecisionForm.message": Booking.decision_message,
}


def column_length(column) -> int | None:
    """The column's length (None for Text and JSON: no limit in the database)."""
    return getattr(column.property.columns[0].type, "length", None) if hasattr(column, "property") else getattr(column.type, "length", None)


def table_column(tables: tuple, name: str):
    for table in tables:
        col = table.__table__.columns.get(name)
        if col is not None:
            return col
    return None


# --- pydantic -------------------------------------------------------------------------------------


def request_models() -> list[type[BaseModel]]:
    """Every model that validates a body or a query, and every model nested in one."""
    seen: dict[str, type[BaseModel]] = {}
    todo = [m for ep in ENDPOINTS for m in (ep.body, ep.query) if m is not None]
    while todo:
        model = todo.pop()
        if model.__name__ in seen:
            continue
        seen[model.__name__] = model
        for field in model.model_fields.values():
            todo += [t for t in _leaf_types(field.annotation) if isinstance(t, type) and issubclass(t, BaseModel)]
    return sorted(seen.values(), key=lambda m: m.__name__)


def _leaf_types(tp) -> list:
    origin = typing.get_origin(tp)
    if origin is Annotated:
        return _leaf_types(typing.get_args(tp)[0])
    if origin in (Union, types.UnionType, list, tuple, set, frozenset, dict):
        return [t for arg in typing.get_args(tp) for t in _leaf_types(arg)]
    return [tp]


def _strip_optional(tp, metadata: list) -> tuple[Any, list]:
    """(the type without None and Annotated, the constraints found on the way)."""
    while True:
        origin = typing.get_origin(tp)
        if origin is Annotated:
            args = typing.get_args(tp)
            tp, metadata = args[0], metadata + list(args[1:])
        elif origin in (Union, types.UnionType):
            rest = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(rest) != 1:
                return tp, metadata
            tp = rest[0]
        else:
            return tp, metadata


def _max_len(metadata: list) -> int | None:
    for m in metadata:
        value = getattr(m, "max_length", None)
        if isinstance(m, MaxLen):
            value = m.max_length
        if value is not None:
            return value
    return None


def string_fields(model: type[BaseModel]):
    """(name, max length or None, is a list's items) for each str field, and (name, max count) for each list."""
    for name, field in model.model_fields.items():
        tp, meta = _strip_optional(field.annotation, list(field.metadata))
        if typing.get_origin(tp) is Literal:
            continue
        if tp is str:
            yield "str", name, _max_len(meta)
        elif typing.get_origin(tp) is list:
            yield "list", name, _max_len(meta)
            item, item_meta = _strip_optional(typing.get_args(tp)[0], [])
            if item is str:
                yield "str", name + "[]", _max_len(item_meta)


MODELS = request_models()


def test_the_walk_finds_the_request_models():
    names = {m.__name__ for m in MODELS}
    assert {"GroupIn", "BookingIn", "SpaceIn", "OpeningHoursIn", "RulesIn", "ProfileIn", "WindowIn", "ActivityIn",
            "ShiftIn", "RotateIn", "ClosureIn", "DecisionIn", "SpaceQuery", "BookingQuery", "MoveIn", "FillPlanApplyIn"} <= names
    assert set(TABLES) - names <= {k for k in TABLES if "." in k}, "a TABLES entry names no request model"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_string_and_list_in_a_request_has_a_maximum_within_its_column(model):
    problems = []
    for kind, name, maximum in string_fields(model):
        where = f"{model.__name__}.{name}"
        if maximum is None:
            problems.append(f"{where}: no maximum {'length' if kind == 'str' else 'count'}")
            continue
        if kind != "str":
            continue
        column = COLUMNS.get(where)
        if column is None and "[]" not in name:
            column = table_column(TABLES.get(model.__name__, ()), name)
        limit = column_length(column) if column is not None else None
        if limit is not None and maximum > limit:
            problems.append(f"{where}: at most {maximum} characters, but the column holds {limit}")
    assert not problems, problems


# --- WTForms --------------------------------------------------------------------------------------

FORM_MODULES = ["commons.forms", "commons.views", "commons.admin_views", "spaces.forms", "spaces.staff_forms",
                "spaces.staff_views", "spaces.counter_views", "spaces.report_views", "calendars.forms", "volunteers.forms"]
TEXT_FIELDS = (StringField, TextAreaField, EmailField, PasswordField, HiddenField, SearchField, TelField, URLField)


def form_classes() -> list[tuple[str, type]]:
    out = []
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, (Form, BaseForm)) and obj.__module__ == module_name:
                out.append((f"{module_name}.{name}", obj))
    return sorted(out)


def unbound_fields(form_cls: type):
    for name in dir(form_cls):
        value = getattr(form_cls, name, None)
        if isinstance(value, UnboundField):
            yield name, value


def _form_text_fields(form_cls: type, prefix: str = ""):
    for name, unbound in unbound_fields(form_cls):
        cls = unbound.field_class
        if cls is FieldList:
            inner = unbound.args[0]
            if isinstance(inner, UnboundField) and inner.field_class is FormField:
                yield from _form_text_fields(inner.args[0], f"{prefix}{name}[].")
            continue
        if cls is FormField:
            yield from _form_text_fields(unbound.args[0], f"{prefix}{name}.")
            continue
        if issubclass(cls, TEXT_FIELDS):
            validators = unbound.kwargs.get("validators") or (unbound.args[1] if len(unbound.args) > 1 else [])
            maximum = None
            for v in validators:
                if isinstance(v, Length) and v.max is not None and v.max >= 0:
                    maximum = v.max
                elif isinstance(v, AnyOf):
                    maximum = max(len(str(x)) for x in v.values)
            yield prefix + name, maximum


FORMS = form_classes()


def test_the_walk_finds_the_forms():
    names = {n for n, _ in FORMS}
    assert {"commons.forms.GroupForm", "spaces.forms.BookingForm", "spaces.staff_forms.SpaceForm", "volunteers.forms.ProfileForm",
            "volunteers.forms.WindowForm", "calendars.forms.RotateForm", "commons.views.LoginForm"} <= names
    assert {k for k in TABLES if "." in k} <= names


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f[0])
def test_every_text_field_of_a_form_has_a_maximum_within_its_column(form):
    qualified, cls = form
    problems = []
    for name, maximum in _form_text_fields(cls):
        where = f"{qualified}.{name}"
        if maximum is None:
            problems.append(f"{where}: no Length(max=...)")
            continue
        column = COLUMNS.get(where) or table_column(TABLES.get(qualified, ()), name)
        limit = column_length(column) if column is not None else None
        if limit is not None and maximum > limit:
            problems.append(f"{where}: at most {maximum} characters, but the column holds {limit}")
    assert not problems, problems


# --- The gaps the walk found, through the API (a 500 on PostgreSQL before: the column is shorter) ------


def test_a_district_longer_than_its_column_is_a_422_not_a_500(make_user):
    user = make_user()
    r = user.post("/groups", {"name": "Long district", "kind": "association", "district": "K" * 81, "description": ""})
    assert r.status_code == 422 and "district" in r.get_json()["error"]["fields"]
    r = user.post("/groups", {"name": "Long district", "kind": "association", "district": "K" * 80, "description": ""})
    assert r.status_code == 201, r.get_json()
    admin = make_user("admin")
    r = admin.post("/facilities", {"name": "Hall", "district": "K" * 81, "address": "Street 1"})
    assert r.status_code == 422 and "district" in r.get_json()["error"]["fields"]


def test_a_guardian_name_longer_than_its_column_is_a_422(make_user):
    from tests.volunteers.conftest import PROFILE

    v = make_user("volunteer")
    body = dict(PROFILE, date_of_birth="2012-01-01", guardian_name="G" * 121, guardian_consent=True)
    r = v.client.put("/api/v1/volunteers/me", json=body, headers=v._headers())
    assert r.status_code == 422 and "guardian_name" in r.get_json()["error"]["fields"]
    body["guardian_name"] = "G" * 120
    assert v.client.put("/api/v1/volunteers/me", json=body, headers=v._headers()).status_code == 200


def test_a_huge_list_item_is_refused_before_the_vocabulary_is_searched(make_user):
    v = make_user("volunteer")
    from tests.volunteers.conftest import PROFILE

    r = v.client.put("/api/v1/volunteers/me", json=dict(PROFILE, languages=["x" * 100_000]), headers=v._headers())
    assert r.status_code == 422 and any(k.startswith("languages") for k in r.get_json()["error"]["fields"])
    r = v.client.put("/api/v1/volunteers/me", json=dict(PROFILE, tags=["chess"] * 41), headers=v._headers())
    assert r.status_code == 422 and "tags" in r.get_json()["error"]["fields"]


def test_the_group_form_says_the_district_maximum(app, make_user):
    from tests.calendars.test_import import _login

    user = make_user()
    client = app.test_client()
    _login(client, user.email)
    r = client.post("/groups/new", data={"name": "Long", "kind": "association", "district": "K" * 81, "description": ""})
    assert r.status_code in (200, 422) and "At most 80 characters." in r.get_data(as_text=True)
