"""Calendar feeds (.ics) and the calendars pages: personal feed links, "Add to calendar" for one
booking, and the staff's .ics import. Thin: parse, call a service, answer."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from calendars import services
from calendars.forms import ImportForm, RotateForm
from commons.auth import current_actor, is_staff_of
from commons.errors import ApiError
from commons.i18n import format_span
from commons.ratelimits import feed_per_link, space_feeds_per_ip
from spaces import services as space_services

bp = Blueprint("calendars", __name__)


def _lang() -> str | None:
    lang = request.args.get("lang")
    return lang if lang in current_app.config["LANGUAGES"] else None


def calendar_response(body: bytes, last_modified: datetime | None, filename: str, private: bool, etag: str | None = None) -> Response:
    """text/calendar with a strong ETag (a hash of the bytes, `etag` when the feed knows it
    already) and Last-Modified; 304 to a conditional GET whose copy is current. Last-Modified is left
    out while its second is not over yet, so that a change later in the same second can never hide
    behind a 304."""
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.set_etag(etag or hashlib.sha256(body).hexdigest()[:40])
    now = datetime.now(timezone.utc).replace(microsecond=0)
    if last_modified is not None:
        lm = last_modified.astimezone(timezone.utc).replace(microsecond=0)
        if lm < now:
            response.last_modified = lm
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.cache_control.no_cache = True
    if private:
        response.cache_control.private = True
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex"
    else:
        response.cache_control.public = True
    response = response.make_conditional(request)
    # make_conditional adds a Date header; the server (gunicorn, werkzeug) adds its own, and two
    # Date headers in one response are invalid (RFC 9110 allows one).
    del response.headers["Date"]
    return response


@bp.route("/calendars/spaces/<int:space_id>.ics")
@space_feeds_per_ip
def space_feed(space_id: int):
    feed = services.space_feed(space_id, _lang() or current_app.config["BABEL_DEFAULT_LOCALE"])
    return calendar_response(feed.body, feed.last_modified, f"space-{space_id}.ics", private=False, etag=feed.etag)


@bp.route("/calendars/feeds/<token>.ics")
@feed_per_link
def personal_feed(token: str):
    feed = services.personal_feed(token, _lang())
    return calendar_response(feed.body, feed.last_modified, "commons.ics", private=True, etag=feed.etag)


@bp.route("/bookings/<int:booking_id>.ics")
def booking_download(booking_id: int):
    """One booking as an .ics file ("Add to calendar"), for those who may see the booking."""
    actor = current_actor()
    if actor is None:
        return redirect(url_for("commons.login", next=request.path))
    booking = space_services.get_booking(actor, booking_id)
    body, filename = services.booking_calendar([booking])
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response


# --- Pages -----------------------------------------------------------------------------------------


def _feeds_page(status: int = 200):
    links = services.feed_links(current_user)
    rows = []
    for link in links:
        url = url_for("calendars.personal_feed", token=link.token, _external=True)
        rows.append({"link": link, "url": url, "webcal": "webcal://" + url.split("://", 1)[1]})
    public = []
    response = current_app.make_response(
        (render_template("calendars/feeds.html", rows=rows, form=RotateForm(formdata=None), public=public), status)
    )
    # the page shows the secret feed links: no cache (shared or the browser's) keeps a copy
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/calendars")
@login_required
def feeds_page():
    return _feeds_page()


@bp.route("/calendars/rotate", methods=["POST"])
@login_required
def rotate():
    form = RotateForm()
    if not form.validate_on_submit():
        abort(400)
    group_id = form.group_id.data
    kind = services.FEED_KINDS.get(form.kind.data or "")
    if kind is None or (group_id or "") not in {str(g or "") for g, _name in kind.subjects(current_user)}:
        abort(404)  # not one of the asker's feeds: refused before any link is made
    try:
        links = {(l.kind, str(l.group_id or "")): l for l in services.feed_links(current_user)}
        link = links.get((form.kind.data, group_id or ""))
        if link is None:
            abort(404)
        new = services.rotate_feed(current_user, kind=link.kind, name=link.name)
    except ApiError as err:
        if err.status == 404:
            abort(404)
        raise
    flash(_("A new link for %(name)s is ready. The old link no longer works: update your calendar app.", name=new.name))
    return redirect(url_for("calendars.feeds_page"))


@bp.route("/staff/spaces/<int:space_id>/import", methods=["GET", "POST"])
@login_required
def import_page(space_id: int):
    space = space_services.get_space(space_id)
    if not is_staff_of(current_user, space.facility_id):
        abort(403, description=_("Only the facility's staff can import closures for this space."))
    form = ImportForm()
    form.file.description = _(
        "For example a holiday calendar exported from Google Calendar or Outlook. At most %(kb)d KB.",
        kb=services.max_import_bytes() // 1024,
    )
    result = None
    error = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            data = form.file.data.read(services.max_import_bytes() + 1)
            try:
                result = services.import_closures(current_user, space.id, data)
            except ApiError as err:
                error = err.said()
                status = err.status
                form.file.errors = list(form.file.errors) + [error]
        else:
            status = 422
    rows = []
    if result is not None:
        rows = [
            {"booking": b, "when": format_span(b.start_at, b.end_at, result.tz)} for b in result.affected
        ]
    return (
        render_template("calendars/import.html", space=space, form=form, result=result, affected=rows, error=error),
        status,
    )
