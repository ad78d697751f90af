"""JSON API of the usage reports, the open data and the no-show record (thin: parse, call, answer)."""
from __future__ import annotations

from flask import Blueprint, Response

from commons.apispec import api_route
from commons.auth import current_actor, require_user
from commons.extensions import limiter
from spaces import report_services
from spaces.report_schemas import NoShowIn, NoShowOut, OpenDataOut, OpenDataQuery, UsageOut, UsageQuery

bp = Blueprint("reports_api", __name__, url_prefix="/api/v1")


@api_route(bp, "/reports/usage", summary="Usage figures per space, facility and district", query=UsageQuery, response=UsageOut, auth=True, tag="reports")
def usage(query: UsageQuery):
    """Staff see their own facilities' spaces, administrators all. The period is [from, to): a date
    is local midnight, a time without an offset is local wall-clock time. `utilisation` is booked
    time inside opening hours (minus closures) divided by that open time; null when a space was not
    open at all. With `format=csv`: one row per space (text/csv), the same numbers."""
    facility_ids = report_services.visible_facility_ids(require_user(), query.facility_id)
    report = report_services.usage_report(facility_ids, query.from_, query.to)
    if query.format == "csv":
        name = f"usage-{report.start:%Y%m%d}-{report.end:%Y%m%d}.csv"
        return Response(
            report_services.report_csv(report),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return UsageOut.model_validate(report_services.report_out(report))


@api_route(bp, "/reports/open-data", summary="Anonymous usage figures for the open data portal", query=OpenDataQuery, response=OpenDataOut, tag="reports")
@limiter.limit("30 per minute")
def open_data(query: OpenDataQuery):
    """Public: per space and district, no names of groups or people, group counts below 3 left
    out (null). The same figures as the usage report otherwise, computed at most every
    OPEN_DATA_CACHE_SECONDS (5 minutes by default) for the same period."""
    current_actor()  # a bad token is still refused
    return OpenDataOut.model_validate(report_services.open_data(query.from_, query.to))


@api_route(bp, "/bookings/<int:booking_id>/no-show", "POST", summary="Record a no-show (staff)", body=NoShowIn, response=NoShowOut, auth=True, tag="bookings")
def no_show(booking_id: int, body: NoShowIn):
    """Staff of the facility record that a confirmed booking's group did not come (`true`), or
    correct it (`false`). Only once the booking has started. Counted as `no_shows` in the reports."""
    booking = report_services.record_no_show(require_user(), booking_id, body.no_show)
    return NoShowOut(id=booking.id, no_show=booking.no_show)
