"""HTML pages of the reports: the staff's usage report (tables and server-rendered SVG charts, each
with its table) and a space's week printed on one A4 page for the door.

Thin: parse the form, call spaces.report_services, shape the numbers for the charts, render. The
page, the CSV and the JSON show the same numbers: all come from report_services.report_out.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import segno
from babel.numbers import format_decimal, format_percent
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import HiddenField
from wtforms.validators import AnyOf, InputRequired, ValidationError

from commons import districts
from commons.errors import ApiError
from commons.forms import WEEKDAYS, DateField, sensible_year
from commons.i18n import LANGUAGE_NAMES, format_closure, format_day, format_span, format_week, page_language
from commons.timezone import site_tz
from spaces import presenters, print_layout, report_services, rules, services

bp = Blueprint("reports", __name__)

SHORT_WEEKDAYS = (_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun"))


# --- Formatting in the page's language ------------------------------------------------------------


def pct(value: float | None) -> str:
    if value is None:
        return "–"
    return format_percent(value, locale=page_language())


def num(value: float) -> str:
    return format_decimal(value, format="#,##0.#", locale=page_language())


# --- The staff's usage report -----------------------------------------------------------------------


class ReportForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    first_day = DateField(_l("First day"), validators=[InputRequired(message=_l("Give the first day.")), sensible_year])
    last_day = DateField(
        _l("Last day"),
        description=_l("Included. At most 400 days after the first day."),
        validators=[InputRequired(message=_l("Give the last day.")), sensible_year],
    )

    def validate_last_day(self, field):
        if self.first_day.data and field.data:
            if field.data < self.first_day.data:
                raise ValidationError(_l("The last day must be on or after the first day."))
            if (field.data - self.first_day.data).days + 1 > 400:
                raise ValidationError(_l("Choose at most 400 days."))


def _default_period(today: date) -> tuple[date, date]:
    """The last four weeks including this one (Monday three weeks ago to this Sunday, local dates):
    this week's bookings are in it, so the first look has figures whenever there are any lately."""
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(days=21), monday + timedelta(days=6)


def _coming_period(today: date) -> tuple[date, date]:
    """This week and the next three (Monday to Sunday): the first look when nothing was booked lately."""
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=27)


@dataclass
class Bar:
    label: str
    value: float | None  # 0..1
    text: str
    y: int = 0
    width: float = 0.0


@dataclass
class Cell:
    x: int
    y: int
    level: str  # "none" or "0".."4"
    text: str
    label: str


def district_chart(rows: list[dict]) -> dict:
    bars = []
    for i, r in enumerate(rows):
        u = r["utilisation"]
        bars.append(Bar(districts.display(r["district"], page_language()), u, pct(u), y=10 + i * 32, width=round(400 * (u or 0), 1)))
    return {"bars": bars, "height": 20 + 32 * len(bars)}


def heatmap_chart(cells: list[dict]) -> dict:
    if not cells:
        return {"cells": [], "hours": [], "width": 0, "height": 0, "days": []}
    first, last = min(c["hour"] for c in cells), max(c["hour"] for c in cells)
    hours = list(range(first, last + 1))
    out = []
    for c in cells:
        u = c["utilisation"]
        level = "none" if u is None else str(min(4, int(u * 5)))  # 0-19 %, 20-39 %, ... 80-100 %
        out.append(
            Cell(
                x=60 + (c["hour"] - first) * 44,
                y=30 + c["weekday"] * 30,
                level=level,
                text=f"{round((u or 0) * 100)}",
                label=f"{WEEKDAYS[c['weekday']]} {c['hour']:02d}–{c['hour'] + 1:02d}: {pct(u)}",
            )
        )
    days = [(str(SHORT_WEEKDAYS[d]), 30 + d * 30) for d in range(7)]
    heads = [(f"{h:02d}", 60 + (h - first) * 44) for h in hours]
    return {"cells": out, "hours": heads, "days": days, "width": 60 + 44 * len(hours) + 10, "height": 30 + 30 * 7 + 10}


def weekly_chart(weeks: list[dict]) -> dict:
    step = 40
    bars = []
    for i, w in enumerate(weeks):
        u = w["utilisation"]
        h = round(160 * (u or 0), 1)
        bars.append({"x": 40 + i * step, "h": h, "y": 190 - h, "label": format_week(w["week"], short=True),
                     "text": pct(u) if u is not None else "–", "week": format_week(w["week"])})
    return {"bars": bars, "width": max(600, 40 + step * len(bars) + 20), "height": 230}  # a few weeks stay small


def use_chart(weeks: list[dict]) -> dict:
    """Booked, checked-in and released hours week by week: three bars side by side (the gap between
    booked and used time), on one scale of hours."""
    kinds = ("booked_hours", "checked_in_hours", "released_hours")
    top = max([w[k] for w in weeks for k in kinds] + [0.0])
    scale = 160 / top if top > 0 else 0
    step, groups = 48, []
    for i, w in enumerate(weeks):
        x = 44 + i * step
        bars = []
        for j, (k, css) in enumerate(zip(kinds, ("bar", "bar-checked-in", "bar-released"))):
            h = round(w[k] * scale, 1)
            bars.append({"x": x + j * 12, "y": 190 - h, "h": h, "css": css, "value": num(w[k])})
        groups.append({"x": x, "bars": bars, "label": format_week(w["week"], short=True), "week": format_week(w["week"]),
                       "booked": num(w["booked_hours"]), "checked_in": num(w["checked_in_hours"]), "released": num(w["released_hours"])})
    return {"groups": groups, "top": num(top), "width": max(600, 44 + step * len(groups) + 20), "height": 250}


@bp.route("/staff/reports")
@login_required
def usage_page():
    if current_user.role not in ("staff", "admin"):
        abort(403, description=_("This page is for facility staff."))
    today = datetime.now(timezone.utc).astimezone(site_tz()).date()
    first, last = _default_period(today)
    form = ReportForm(formdata=request.args if request.args else None, first_day=first, last_day=last)
    status = 200
    if request.args and not form.validate():
        status = 422
    elif request.args:
        first, last = form.first_day.data, form.last_day.data
    frm, to = datetime.combine(first, time(0)), datetime.combine(last + timedelta(days=1), time(0))
    facility_ids = report_services.visible_facility_ids(current_user)
    out = report_services.report_out(report_services.usage_report(facility_ids, frm, to))
    period_note = None
    if not request.args and not out["total"]["bookings"]:
        # Nothing booked lately (a new site, a demo): this week and the next three, if they have bookings.
        first, last = _coming_period(today)
        frm, to = datetime.combine(first, time(0)), datetime.combine(last + timedelta(days=1), time(0))
        coming = report_services.report_out(report_services.usage_report(facility_ids, frm, to))
        if coming["total"]["bookings"]:
            out, period_note = coming, _("No bookings in the last four weeks: this shows this week and the next three.")
            form = ReportForm(formdata=None, first_day=first, last_day=last)
        else:
            first, last = _default_period(today)
            frm, to = datetime.combine(first, time(0)), datetime.combine(last + timedelta(days=1), time(0))
    period = {"from": first.isoformat(), "to": (last + timedelta(days=1)).isoformat()}
    recent = report_services.recent_confirmed(facility_ids)
    return (
        render_template(
            "spaces/reports.html",
            form=form,
            report=out,
            period_text=f"{format_day(first, 'date')} – {format_day(last, 'date')}",
            period_note=period_note,
            csv_url=url_for("reports_api.usage", format="csv", **period),
            json_url=url_for("reports_api.usage", **period),
            open_data_url=url_for("reports_api.open_data", **period),
            districts=district_chart(out["districts"]),
            heat=heatmap_chart(out["heatmap"]),
            trend=weekly_chart(out["weekly"]),
            use=use_chart(out["weekly"]),
            weekdays=WEEKDAYS,
            week_name=format_week,
            recent=[{"booking": b, "when": format_span(b.start_at, b.end_at, ZoneInfo(b.space.timezone))} for b in recent],
            pct=pct,
            num=num,
        ),
        status,
    )


class NoShowForm(FlaskForm):
    no_show = HiddenField(validators=[AnyOf(("true", "false"))])


@bp.route("/staff/reports/no-show/<int:booking_id>", methods=["POST"])
@login_required
def no_show(booking_id: int):
    form = NoShowForm()
    if not form.validate_on_submit():
        abort(400, description=_("The form has expired. Go back, reload the page and try again."))
    value = form.no_show.data == "true"
    try:
        booking = report_services.record_no_show(current_user, booking_id, value)
    except ApiError as err:
        if err.status in (403, 404):
            raise
        flash(err.said())
    else:
        if booking.no_show:
            flash(_("Recorded as a no-show: %(title)s.", title=booking.title))
        else:
            flash(_("Recorded that the group came: %(title)s.", title=booking.title))
    back = {k: v for k, v in request.args.items() if k in ("first_day", "last_day")}
    return redirect(url_for("reports.usage_page", **back) + "#no-shows")


# --- A space's week for the door ----------------------------------------------------------------------


def qr_svg(url: str, title: str) -> Markup:
    """The link as a QR code, inline SVG (no style attributes: the CSP allows none)."""
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(scale=4, border=2, title=title, svgclass="qr", lineclass="qr-line", omitsize=False)
    return Markup(str(svg).replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" ', 1))


@bp.route("/spaces/<int:space_id>/print")
def print_week(space_id: int):
    """The week for the door, in the noticeboard's language: `?lang=` or the facility's default
    language (whatever the reader's own), and without `?week=` this week until Thursday, next week
    from Friday on (print_layout.default_week)."""
    space = services.get_space(space_id)
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    lang = asked if asked in languages else (space.facility.default_language if space.facility.default_language in languages else "fi")
    with force_locale(lang):
        return _print_week(space, lang, asked is not None and asked not in languages)


def _print_week(space, lang: str, lang_refused: bool):
    tz = ZoneInfo(space.timezone)
    now = datetime.now(timezone.utc)
    asked_week = request.args.get("week")
    if asked_week:
        (year, week), week_error = presenters.requested_week(asked_week, tz, now)
    else:
        (year, week), week_error = print_layout.default_week(now.astimezone(tz).date()), None
    if lang_refused:
        week_error = " ".join(filter(None, [week_error, _("“%(lang)s” is not a language of this service; the week is printed in %(language)s.",
                                                          lang=request.args.get("lang", "")[:20], language=LANGUAGE_NAMES[lang])]))
    status = 422 if week_error else 200
    # Free: only times a group could still book (from now, within the horizon, long enough for the
    # shortest booking, on the slot grid). A past week shows what was booked and closed, and says why nothing is free.
    days = presenters.build_week(space, year, week, now, bookable_only=True)
    bounds = rules.week_bounds(year, week, tz)
    if bounds.end <= now:
        free_note = _("This week is over: it shows what was booked and closed; no time is free any more.")
    elif bounds.start <= now:
        free_note = _("Free times are shown from the time this page was printed on.")
    elif bounds.start >= now + timedelta(days=space.horizon_days):
        free_note = _("This week cannot be booked yet: bookings open %(days)d days ahead.", days=space.horizon_days)
    elif bounds.end > now + timedelta(days=space.horizon_days):
        free_note = _("Free times are shown up to %(date)s: later times cannot be booked yet.",
                      date=format_day((now + timedelta(days=space.horizon_days)).astimezone(tz).date(), "date"))
    else:
        free_note = None
    closures = [
        {"when": format_closure(c.start_at, c.end_at, tz), "reason": c.reason}
        for c in services.list_closures(space.id, bounds.start, bounds.end)
    ]
    fitted, paper = presenters.paper_week(space, days)
    closures, more_closures = print_layout.cut_list(closures, print_layout.MAX_CLOSURES)
    page_url = url_for("spaces.space_page", space_id=space.id, _external=True)
    return (
        render_template(
            "spaces/print.html",
            space=space,
            days=paper,
            layout=fitted,
            year=year,
            week=week,
            **presenters.week_links(year, week, now, tz),
            week_error=week_error,
            free_note=free_note,
            rules_text=presenters.rules_in_words(space, printed=True),
            closures=closures,
            more_closures=more_closures,
            page_url=page_url,
            qr=qr_svg(page_url, _("QR code: the address of this space's page")),
            check_in_qr=qr_svg(url_for("waitlist.door", space_id=space.id, _external=True),
                               _("QR code: the check-in page of this space")) if space.check_in_required else None,
            printed=format_day(now.astimezone(tz).date(), "date"),
            lang=lang,
            languages=[(code, LANGUAGE_NAMES.get(code, code)) for code in current_app.config["LANGUAGES"]],
            default_language=space.facility.default_language,
            default_week=not asked_week,
        ),
        status,
    )
