"""Look-alike names and names that show as something else (issue 23 item 6; docs/security.md "Security and privacy").

A group name that looks like another group's (a typographic apostrophe, a Cyrillic letter, full-width
letters, an invisible character, another case) is refused at registration with code `name_taken`: the
names are compared after NFKC, case folding and the UTS #39 skeleton (commons.text.name_keys: in small
letters and in capitals), and unique indexes on those keys (groups.name_key, groups.name_key_caps) hold
when two registrations race. Bidirectional control
characters (U+202E and the like) are refused in every name and title people choose, code `bidi_control`."""
from __future__ import annotations

import typing
from typing import Annotated

import pytest
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.exc import IntegrityError

import commons.services
from commons.extensions import db
from commons.forms import no_bidi_controls
from commons.models import Group
from commons.text import BIDI_CONTROLS, name_keys, skeleton
from tests.conftest import PASSWORD
from tests.security.test_string_limits import MODELS, form_classes

GROUP = {"kind": "association", "district": "Kallio"}
ORIGINAL = "Kallion Asukasyhdistys ry"

LOOK_ALIKES = {
    "cyrillic o": "Kallion Asukasyhdistys ry".replace("o", "\u043e"),  # о CYRILLIC SMALL LETTER O
    "cyrillic a and y": "K\u0430llion Asuk\u0430s\u0443hdistys ry",
    "greek capital": "\u039aallion Asukasyhdistys ry",  # Κ GREEK CAPITAL LETTER KAPPA
    "full-width letters": "\uff2ballion Asukasyhdistys ry",  # Ｋ
    "capitals": "KALLION ASUKASYHDISTYS RY",
    "zero-width space": "Kallion\u200b Asukasyhdistys ry",
    "no-break space": "Kallion\u00a0Asukasyhdistys ry",
    "two spaces": "Kallion  Asukasyhdistys ry",
    "digit one for l": "Ka11ion Asukasyhdistys ry",
}


# The same check over every route, page, code or role: clock-independent, so CI's clock lanes leave it out.
pytestmark = pytest.mark.sweep


def register(api, name: str):
    return api.post("/groups", {**GROUP, "name": name})


@pytest.mark.parametrize("name", LOOK_ALIKES.values(), ids=LOOK_ALIKES.keys())
def test_a_look_alike_of_a_group_name_is_refused(make_user, name):
    first = make_user()
    assert register(first, ORIGINAL).status_code == 201
    r = register(make_user(), name)
    assert r.status_code == 422, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == "name_taken" and "name" in err["fields"], err
    assert [g["name"] for g in first.get("/groups").get_json()] == [ORIGINAL]


def test_a_typographic_apostrophe_passes_for_a_straight_one(make_user):
    assert register(make_user(), "Tenants' Club of Vallila").status_code == 201
    for name in ("Tenants\u2019 Club of Vallila", "Tenants\u02bc Club of Vallila", "Tenants\uff07 Club of Vallila"):
        r = register(make_user(), name)
        assert r.status_code == 422 and r.get_json()["error"]["code"] == "name_taken", (name, r.get_json())


@pytest.mark.parametrize("name", ["Kallion Asukasyhdistys", "Käpylän Asukasyhdistys ry", "Kallion Asukasyhdistys ry 2"])
def test_names_that_only_resemble_are_still_free(make_user, name):
    assert register(make_user(), ORIGINAL).status_code == 201
    assert register(make_user(), name).status_code == 201


@pytest.mark.parametrize("control", sorted(BIDI_CONTROLS), ids=lambda c: f"U+{ord(c):04X}")
def test_bidi_controls_are_refused_in_group_names(make_user, control):
    r = register(make_user(), f"Kallion Asukasyhdistys{control} ry")
    assert r.status_code == 422, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == "bidi_control" and set(err["fields"]) == {"name"}, err


def test_a_right_to_left_override_cannot_pass_for_an_existing_group(make_user):
    """"Kallion kuoro" followed by U+202E and the rest reversed shows as the group's name with a tail."""
    assert register(make_user(), "Kallion kuoro").status_code == 201
    r = register(make_user(), "Kallion kuoro\u202e yr")
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "bidi_control"


def test_the_unique_key_holds_when_two_registrations_race(app, make_user, monkeypatch):
    """The check before inserting does not see a registration that commits a moment later: the unique
    indexes on groups.name_key and name_key_caps refuse the second one (409 name_taken), and nothing is half written."""
    assert register(make_user(), ORIGINAL).status_code == 201
    # as if the other had not committed yet (patched where register_group looks it up)
    monkeypatch.setattr(commons.services.groups, "group_named_like", lambda name: None)
    late = make_user()
    r = register(late, LOOK_ALIKES["cyrillic o"])
    assert r.status_code == 409, r.get_json()
    err = r.get_json()["error"]
    assert err["code"] == "name_taken" and "name" in err["fields"]
    assert late.get("/me").get_json()["groups"] == []
    with app.app_context():
        assert db.session.query(Group).count() == 1


def test_the_database_refuses_look_alikes_whoever_writes(app):
    with app.app_context():
        db.session.add(Group(name=ORIGINAL, **GROUP))
        db.session.commit()
        db.session.add(Group(name=LOOK_ALIKES["full-width letters"], **GROUP))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_the_command_line_does_not_attach_anyone_to_a_look_alike(app, runner):
    runner.invoke(args=["users", "create", "a@example.fi", "--name", "A", "--role", "member", "--group", ORIGINAL])
    result = runner.invoke(args=["users", "create", "b@example.fi", "--name", "B", "--role", "member",
                                 "--group", LOOK_ALIKES["cyrillic o"]])
    assert result.exit_code != 0
    with app.app_context():
        assert [g.name for g in db.session.query(Group)] == [ORIGINAL]
        assert commons.services.find_user("b@example.fi") is None
    # the same name, in another case, is the same group (as before)
    result = runner.invoke(args=["users", "create", "c@example.fi", "--name", "C", "--role", "member", "--group", ORIGINAL.upper()])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("lang, sentence", [
    ("fi", "Samanniminen tai samannäköisen nimen ryhmä on jo rekisteröity."),
    ("sv", "En grupp med samma namn, eller ett namn som ser likadant ut, är redan registrerad."),
    ("en", "A group with this name, or a name that looks the same, is registered already."),
])
def test_the_page_says_it_in_the_readers_language(app, make_user, lang, sentence):
    assert register(make_user(), ORIGINAL).status_code == 201
    page = app.test_client()
    page.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    page.post("/login", data={"email": make_user().email, "password": PASSWORD})
    r = page.post("/groups/new", data={**GROUP, "name": LOOK_ALIKES["cyrillic o"]})
    assert r.status_code == 422 and sentence in r.get_data(as_text=True)


@pytest.mark.parametrize("lang, sentence", [
    ("fi", "Poista tekstin suunnan ohjausmerkit"),
    ("sv", "Ta bort styrtecknen för textriktning"),
    ("en", "Remove the text direction control characters"),
])
def test_bidi_on_the_page_is_said_in_the_readers_language(app, make_user, lang, sentence):
    page = app.test_client()
    page.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    page.post("/login", data={"email": make_user().email, "password": PASSWORD})
    r = page.post("/groups/new", data={**GROUP, "name": "Kallion kuoro\u202e yr"})
    assert r.status_code == 422 and sentence in r.get_data(as_text=True)
    r = page.post("/account/profile", data={"name": "Sari\u202e", "email": "new@example.fi"})
    assert r.status_code == 422 and sentence in r.get_data(as_text=True)


def test_bidi_controls_are_refused_in_a_display_name_at_sign_up(app):
    form = {"role": "member", "name": "Admin\u202enimda", "email": "x@example.fi", "password": "long enough 1",
            "confirm": "long enough 1"}
    r = app.test_client().post("/signup", data=form)
    assert r.status_code == 422
    with app.app_context():
        assert commons.services.find_user("x@example.fi") is None


# --- Every name and title, everywhere -------------------------------------------------------------------

# Fields that hold a name or a title people choose (shown to staff or the public), by name.
NAMES_AND_TITLES = {"name", "title", "district", "place", "reason", "address", "guardian_name"}
# ... except these, which name nothing stored: a feed kind's lookup and the filters of lists.
NOT_STORED = {"RotateIn.name", "SpaceQuery.district", "FillPlanIn.district", "ActivityQuery.district"}


def _annotation(field):
    return Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation


def request_name_fields():
    return [(m, name) for m in MODELS for name in m.model_fields
            if name in NAMES_AND_TITLES and f"{m.__name__}.{name}" not in NOT_STORED]


def test_the_walk_finds_the_names_and_titles():
    found = {f"{m.__name__}.{n}" for m, n in request_name_fields()}
    assert {"GroupIn.name", "FacilityIn.name", "SpaceIn.name", "BookingIn.title", "ActivityIn.title", "ClosureIn.reason",
            "ProfileIn.guardian_name"} <= found, found


@pytest.mark.parametrize("model, field", request_name_fields(), ids=lambda x: getattr(x, "__name__", x))
def test_every_name_and_title_in_the_api_refuses_bidi_controls(model, field):
    adapter = TypeAdapter(_annotation(model.model_fields[field]))
    assert adapter.validate_python("Kallio") == "Kallio"
    with pytest.raises(ValidationError) as exc:
        adapter.validate_python("Kallio\u202eoillak")
    assert [e["type"] for e in exc.value.errors()] == ["bidi_control"]


FORM_FIELDS = [(name, cls, field) for name, cls in form_classes() for field in NAMES_AND_TITLES
               if isinstance(getattr(cls, field, None), typing.Hashable) and hasattr(getattr(cls, field, None), "kwargs")]


def test_the_walk_finds_the_forms():
    found = {f"{name}.{field}" for name, _cls, field in FORM_FIELDS}
    assert {"commons.forms.GroupForm.name", "commons.forms.SignUpForm.name", "spaces.forms.BookingForm.title",
            "volunteers.forms.ActivityForm.title", "spaces.staff_forms.SpaceForm.name"} <= found, found


@pytest.mark.parametrize("where, cls, field", FORM_FIELDS, ids=lambda x: x if isinstance(x, str) else "")
def test_every_name_and_title_on_the_pages_refuses_bidi_controls(where, cls, field):
    unbound = getattr(cls, field)
    if unbound.field_class.__name__ in ("SelectField", "RadioField"):
        return  # a choice from a list: nothing typed
    assert no_bidi_controls in unbound.kwargs.get("validators", []), f"{where}.{field}"


def look_alike(a: str, b: str) -> bool:
    return any(x == y for x, y in zip(name_keys(a), name_keys(b)))


def test_the_keys_are_nfkc_casefold_and_skeleton():
    assert skeleton("p\u0430yp\u0430l") == "paypal"
    assert name_keys("ＰＡＹＰＡＬ")[0] == name_keys("PayPal")[0] == name_keys("pаypal")[0] == "paypal"
    assert look_alike("Straße", "STRASSE") and look_alike("Kalliom", "Kalliorn") and look_alike("KIRJASTO", "kirjasto")
    assert look_alike("\u039aallion", "Kallion")  # Greek capital kappa: only the capitals key sees it (κ looks like ĸ)
    assert not look_alike("Käpylä", "Kapyla")  # a letter with its marks is another letter
    assert not look_alike("Tili ry", "Till ry") and not look_alike("Ilona", "Llona")  # I looks like l, not L


# --- Migration 0009: existing groups get their keys; existing look-alikes stay, the oldest keyed -----------


@pytest.fixture
def empty_database(database_url, tmp_path):
    """A database of its own (a new PostgreSQL database beside the test one, or a SQLite file)."""
    if not database_url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'migration.db'}"
        return
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    name = f"{url.database}_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_migration_keys_existing_groups_and_keeps_existing_look_alikes(empty_database, capsys):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from commons import create_app
    from tests.conftest import RELAXED_LIMITS

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "TESTING": True, "SECRET_KEY": "t", **RELAXED_LIMITS})
    with app.app_context():
        try:
            upgrade(revision="0008")
            names = [ORIGINAL, "Kallion Kuoro", LOOK_ALIKES["cyrillic o"], "\u039aallion kuoro", "Vallilan Shakkikerho"]
            with db.engine.begin() as conn:
                for i, name in enumerate(names, start=1):
                    conn.execute(text("INSERT INTO groups (id, name, kind, district, description, verified, created_at) "
                                      "VALUES (:id, :name, 'association', 'Kallio', '', false, CURRENT_TIMESTAMP)"),
                                 {"id": i, "name": name})
            upgrade()
            printed = capsys.readouterr().out
            rows = {r.id: r for r in db.session.execute(text("SELECT id, name, name_key, name_key_caps FROM groups ORDER BY id"))}
            assert [r.name for r in rows.values()] == names  # nothing renamed or removed
            assert rows[1].name_key and rows[1].name_key_caps and rows[2].name_key and rows[5].name_key
            assert rows[3].name_key is None and rows[3].name_key_caps is None  # a look-alike of group 1 in both keys
            assert rows[4].name_key_caps is None and rows[4].name_key  # like group 2 only in capitals
            assert "group 3 looks the same as group 1" in printed and "group 4 looks the same as group 2" in printed
            # a new look-alike of any of them is refused by the index
            db.session.add(Group(name="KALLION KUORO", **GROUP))
            with pytest.raises(IntegrityError):
                db.session.commit()
            db.session.rollback()
            downgrade(revision="0008")
            upgrade()
        finally:
            db.session.remove()
            db.engine.dispose()
