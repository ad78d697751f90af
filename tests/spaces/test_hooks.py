"""spaces.hooks and commons.demo: the packages above spaces take part in its use cases through what
they register (create_app calls their register_hooks in layer order), not through spaces importing
them. Without calendars a booking e-mail goes without an .ics; without volunteering the usage report
has no volunteer hours; the demo's parts run in layer order."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from commons.demo import DEMO_PARTS
from commons.extensions import db
from commons.models import OutboxMessage
from spaces import hooks
from tests.conftest import local, next_weekday
from tests.support.smtp import render_outbox


def test_packages_register_their_parts_in_layer_order(app):
    from calendars.services import booking_calendars
    from volunteers.usage import volunteer_figures

    assert list(DEMO_PARTS) == ["spaces", "volunteers"]
    assert [p.option for p in DEMO_PARTS.values()] == ["bookings", "volunteers"]
    assert hooks.BOOKING_CALENDARS == [booking_calendars]
    assert hooks.VOLUNTEER_FIGURES == [volunteer_figures]


def _book(make_user, make_group, make_space):
    group = make_group(verified=True)
    rep = make_user("member", groups=[group])
    day = next_weekday(2)
    r = rep.post("/bookings", {"space_id": make_space(), "group_id": group, "title": "Choir", "start": local(day, "18:00"), "end": local(day, "20:00")})
    assert r.status_code == 201, r.get_json()


def _attachments(app):
    """The attachments of the booking's messages, as send-mail renders them (the .ics is made then)."""
    render_outbox(app)
    with app.app_context():
        rows = [(m.attachment_mime, m.attachment_filename) for m in db.session.execute(select(OutboxMessage)).scalars()]
        db.session.remove()
    assert rows
    return rows


def test_the_booking_mail_carries_the_ics_that_calendars_registered(app, make_user, make_group, make_space):
    _book(make_user, make_group, make_space)
    assert {mime for mime, _ in _attachments(app)} == {"text/calendar; method=PUBLISH"}


def test_without_a_calendar_hook_the_booking_mail_has_no_attachment(app, make_user, make_group, make_space):
    registered = list(hooks.BOOKING_CALENDARS)
    hooks.BOOKING_CALENDARS.clear()
    try:
        _book(make_user, make_group, make_space)
        attachments = _attachments(app)
    finally:
        hooks.BOOKING_CALENDARS[:] = registered
    assert attachments == [(None, None)]


def test_volunteer_figures_add_up_the_registered_sources(app):
    from spaces.report_services import volunteer_figures

    lo = datetime(2027, 1, 1, tzinfo=timezone.utc)
    registered = list(hooks.VOLUNTEER_FIGURES)
    hooks.VOLUNTEER_FIGURES[:] = [lambda ids, a, b: {ids[0]: (30.0, {1})}, lambda ids, a, b: {ids[0]: (15.0, {1, 2}), ids[1]: (5.0, set())}]
    try:
        with app.app_context():
            assert volunteer_figures([7, 8], lo, lo + timedelta(days=1)) == {7: (45.0, {1, 2}), 8: (5.0, set())}
            assert volunteer_figures([], lo, lo + timedelta(days=1)) == {}
        hooks.VOLUNTEER_FIGURES.clear()
        with app.app_context():
            assert volunteer_figures([7], lo, lo + timedelta(days=1)) == {}
    finally:
        hooks.VOLUNTEER_FIGURES[:] = registered
