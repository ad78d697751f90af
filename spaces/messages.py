"""The words of spaces' codes (booking rules, conflicts, series, service refusals), per language.

Each function turns one code's params into a sentence in the current language; see commons.codes.
Times in params are ISO 8601 texts in the space's zone, said the language's way (fi 17.00, sv 17:00).
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from commons.i18n import (ON_WEEKDAYS, format_clock, format_duration, format_minutes, format_moment, format_span_of,
                          with_detail)
from commons.codes import message

EXAMPLE_START = "2027-03-02T18:00:00+02:00"
EXAMPLE_END = "2027-03-02T20:00:00+02:00"


# --- Booking rules (spaces.rules) ----------------------------------------------------------------


@message("end_before_start")
def _end_before_start(p):
    return _("The end must be after the start.")


@message("in_the_past", start=EXAMPLE_START)
def _in_the_past(p):
    return _("%(when)s is in the past.", when=format_moment(p["start"]))


@message("beyond_horizon", horizon_days=90, until=EXAMPLE_START)
def _beyond_horizon(p):
    return ngettext(
        "Bookings can be made at most %(num)d day ahead (until %(until)s).",
        "Bookings can be made at most %(num)d days ahead (until %(until)s).",
        p["horizon_days"],
        until=format_moment(p["until"]),
    )


@message("too_short", min_minutes=60)
def _too_short(p):
    return _("A booking must last at least %(d)s.", d=format_duration(p["min_minutes"]))


@message("too_long", max_minutes=240)
def _too_long(p):
    return _("A booking may last at most %(d)s.", d=format_duration(p["max_minutes"]))


@message("off_grid", slot_minutes=30)
def _off_grid(p):
    slot = p["slot_minutes"]
    example = ", ".join(format_clock(18 * 60 + k * slot) for k in range(3))
    return _("Start and end must be on a grid of %(d)s (for example %(example)s).",
             d=format_duration(slot), example=example)


@message("outside_opening_hours", start=EXAMPLE_START, end=EXAMPLE_END, weekday=1, hours=[[480, 1020]])
def _outside_opening_hours(p):
    day = ON_WEEKDAYS[p["weekday"]]
    if not p["hours"]:
        return _("%(when)s is outside the opening hours: closed %(on_day)s.",
                 when=format_span_of(p["start"], p["end"]), on_day=day)
    hours = ", ".join(f"{format_clock(o)}–{format_clock(c)}" for o, c in p["hours"])
    return _("%(when)s is outside the opening hours: open %(on_day)s %(hours)s.",
             when=format_span_of(p["start"], p["end"]), on_day=day, hours=hours)


@message("booked", start=EXAMPLE_START, end=EXAMPLE_END, buffer_minutes=15)
def _booked(p):
    when = format_span_of(p["start"], p["end"])
    if p.get("buffer_minutes"):
        return _("Already booked %(when)s (with %(d)s for changeover before and after).",
                 when=when, d=format_duration(p["buffer_minutes"]))
    return _("Already booked %(when)s.", when=when)


@message("family_booked", start=EXAMPLE_START, end=EXAMPLE_END, buffer_minutes=0, space_id=12, space_name="Half A")
def _family_booked(p):
    return _("%(space)s is already booked %(when)s, and it takes this space's time too (one is part of the other).",
             space=p["space_name"], when=format_span_of(p["start"], p["end"]))


@message("closed", start=EXAMPLE_START, end=EXAMPLE_END)
def _closed(p):
    return _("Closed %(when)s.", when=format_span_of(p["start"], p["end"]))


@message("over_quota", quota_minutes=180, week=9, year=2027, left_minutes=60)
def _over_quota(p):
    return _("Over the weekly quota of %(quota)s per group in week %(week)d/%(year)d (%(left)s left).",
             quota=format_minutes(p["quota_minutes"]), week=p["week"], year=p["year"],
             left=format_minutes(p["left_minutes"]))


@message("over_capacity", attendees=25, capacity=10)
def _over_capacity(p):
    return ngettext("The space holds up to %(num)d person; the booking is for %(attendees)d.",
                    "The space holds up to %(num)d people; the booking is for %(attendees)d.",
                    p["capacity"], attendees=p["attendees"])


@message("nonexistent_time", local_time="2027-03-28T03:30:00")
def _nonexistent_time(p):
    return _("%(when)s does not exist on that day (clocks change).", when=format_moment(p["local_time"]))


# --- Repeat rules (RRULE) ------------------------------------------------------------------------


@message("rrule_one_line")
def _rrule_one_line(p):
    return _("Give one RRULE line, for example FREQ=WEEKLY;COUNT=10.")


@message("rrule_not_name_value", piece="WEEKLY")
def _rrule_not_name_value(p):
    return _("'%(piece)s' is not NAME=VALUE.", piece=p["piece"])


@message("rrule_freq")
def _rrule_freq(p):
    return _("Say how it repeats: FREQ=DAILY, WEEKLY, MONTHLY or YEARLY.")


@message("rrule_part_unsupported", part="BYSETPOS", freq="WEEKLY", allowed="BYDAY, COUNT, INTERVAL, UNTIL, WKST")
def _rrule_part_unsupported(p):
    return _("%(part)s is not supported for FREQ=%(freq)s; use %(allowed)s.",
             part=p["part"], freq=p["freq"], allowed=p["allowed"])


@message("rrule_monthly_both")
def _rrule_monthly_both(p):
    return _("Give either BYDAY or BYMONTHDAY for a monthly series, not both.")


@message("rrule_dtstart")
def _rrule_dtstart(p):
    return _("DTSTART comes from the booking's start; leave it out of the RRULE.")


@message("rrule_needs_end")
def _rrule_needs_end(p):
    return _("A repeating booking needs an end: add COUNT=n or UNTIL=date.")


@message("rrule_count_and_until")
def _rrule_count_and_until(p):
    return _("Give either COUNT or UNTIL, not both.")


@message("rrule_interval")
def _rrule_interval(p):
    return _("INTERVAL must be a whole number of at least 1.")


@message("rrule_invalid", detail="unknown parameter name")
def _rrule_invalid(p):
    return with_detail(_("Not a valid RRULE."), p.get("detail"))


@message("rrule_too_many", max_count=104)
def _rrule_too_many(p):
    return _("A series can have at most %(num)d dates; this one has more. Shorten it with COUNT or UNTIL.",
             num=p["max_count"])


@message("rrule_until_format")
def _rrule_until_format(p):
    return _("UNTIL must look like 20270601 or 20270601T180000Z.")


@message("rrule_no_dates")
def _rrule_no_dates(p):
    return _("The repeat rule gives no dates.")


# --- A refused booking as a whole (the API's message; pages list each problem) ------------------


@message("booking_refused", series=False, count=1, first_code="too_short", first={"min_minutes": 60})
def _booking_refused(p):
    from commons.codes import say

    first = say(p["first_code"], p["first"])
    if p["series"]:
        head = _("Some dates of the series cannot be booked: %(first)s", first=first)
    else:
        head = _("This time cannot be booked: %(first)s", first=first)
    if p["count"] > 1:
        return head + " " + ngettext("(%(num)d problem in all.)", "(%(num)d problems in all.)", p["count"])
    return head


@message("booking_not_free", series=False, count=2, first_code="closed",
         first={"start": EXAMPLE_START, "end": EXAMPLE_END})
def _booking_not_free(p):
    from commons.codes import say

    first = say(p["first_code"], p["first"])
    if p["series"]:
        head = _("Some dates of the series are not free: %(first)s", first=first)
    else:
        head = _("This time is not free: %(first)s", first=first)
    if p["count"] > 1:
        return head + " " + ngettext("(%(num)d conflict in all.)", "(%(num)d conflicts in all.)", p["count"])
    return head


# --- Spaces, closures and bookings (spaces.services) ---------------------------------------------

# A booking's status inside a sentence ("This booking is cancelled already.").
BOOKING_STATUS_WORDS = {
    "pending": _l("waiting for approval"),
    "confirmed": _l("confirmed"),
    "rejected": _l("rejected"),
    "cancelled": _l("cancelled"),
    "expired": _l("expired"),
    "offered": _l("offered to your group"),
    "declined": _l("declined"),
    "released": _l("released"),
}


def status_word(status: str) -> str:
    return str(BOOKING_STATUS_WORDS.get(status, status))


@message("space_not_found", space_id=999999)
def _space_not_found(p):
    return _("There is no space %(id)s.", id=p["space_id"])


@message("part_of_cycle", space_id=4, part_of=7)
def _part_of_cycle(p):
    return _("A space cannot be part of itself or of one of its own parts.")


@message("part_of_other_facility", space_id=7)
def _part_of_other_facility(p):
    return _("A space can only be part of a space in the same facility.")


@message("part_of_collides", count=1, booking_ids=[31, 32])
def _part_of_collides(p):
    ids = ", ".join(str(i) for i in p["booking_ids"])
    return ngettext("Not changed: %(num)d pair of existing bookings would then take the same time (bookings %(ids)s).",
                    "Not changed: %(num)d pairs of existing bookings would then take the same time (bookings %(ids)s).",
                    p["count"], ids=ids)


@message("closure_not_found", space_id=4, closure_id=17)
def _closure_not_found(p):
    return _("Space %(space)s has no closure %(closure)s.", space=p["space_id"], closure=p["closure_id"])


@message("booking_not_found", booking_id=123)
def _booking_not_found(p):
    return _("There is no booking %(id)s that you can see.", id=p["booking_id"])


@message("staff_only")
def _staff_only(p):
    return _("Only the facility's staff (or an administrator) can do this.")


@message("opening_hours_overlap", weekday=2)
def _opening_hours_overlap(p):
    return _("The opening hours overlap each other %(on_day)s.", on_day=ON_WEEKDAYS[p["weekday"]])


@message("max_below_min")
def _max_below_min(p):
    return _("The longest booking cannot be shorter than the shortest.")


@message("period_end_before_start")
def _period_end_before_start(p):
    return _("The end of the period must be after its start.")


@message("period_too_long", max_days=62)
def _period_too_long(p):
    return ngettext("The period can be at most %(num)d day long; ask for a shorter one.",
                    "The period can be at most %(num)d days long; ask for a shorter one.", p["max_days"])


@message("closure_too_long", max_days=400)
def _closure_too_long(p):
    return ngettext("A closure can last at most %(num)d day.", "A closure can last at most %(num)d days.", p["max_days"])


@message("closure_unknown", closure_id=17)
def _closure_unknown(p):
    return _("There is no closure %(closure)s.", closure=p["closure_id"])


@message("facility_has_no_spaces", facility_id=3)
def _facility_has_no_spaces(p):
    return _("The facility has no spaces to close yet. Add its spaces first.")


@message("closure_not_hit", booking_id=42)
def _closure_not_hit(p):
    return _("The closure does not fall on booking %(booking)s: only bookings in the closed time can be cancelled here.",
             booking=p["booking_id"])


@message("closure_nothing_to_cancel")
def _closure_nothing_to_cancel(p):
    return _("None of the chosen bookings can be cancelled any more: they were cancelled already or have started. Choose at least one of those listed.")


@message("report_period_required")
def _report_period_required(p):
    return _("Give the period as from and to, e.g. from=2027-01-01&to=2027-02-01.")


@message("book_on_behalf_unverified")
def _book_on_behalf_unverified(p):
    return _("Staff can book on behalf of verified groups only; verify the group first.")


@message("book_for_contact_staff_only")
def _book_for_contact_staff_only(p):
    return _("Only the staff of the space's facility can book for a person without a group.")


@message("counter_group_needs_contact")
def _counter_group_needs_contact(p):
    return _("This group is for bookings made at the counter: give the person's name and phone number instead.")


@message("group_or_contact")
def _group_or_contact(p):
    return _("Choose a group, or (staff) give the person's name and phone number: both the name and the number, not a group as well.")


@message("phone_invalid", phone="040 12")
def _phone_invalid(p):
    return _("“%(phone)s” is not a phone number: give 5 to 15 digits, for example 040 123 4567 or +358 40 123 4567.", phone=p["phone"])


@message("contact_already_erased", status="cancelled")
def _contact_already_erased(p):
    return _("The contact of this booking has already been erased.")


@message("book_own_groups_only")
def _book_own_groups_only(p):
    return _("You can book only for groups you represent.")


@message("booking_not_active", status="cancelled")
def _booking_not_active(p):
    return _("This booking is %(status)s already.", status=status_word(p["status"]))


@message("cancel_started")
def _cancel_started(p):
    return _("A booking that has started or ended can no longer be cancelled.")


@message("series_nothing_to_cancel")
def _series_nothing_to_cancel(p):
    return _("Nothing left to cancel in this series.")


@message("decide_staff_only")
def _decide_staff_only(p):
    return _("Only the facility's staff can approve or reject requests.")


@message("not_pending", status="confirmed")
def _not_pending(p):
    return _("Only pending requests can be decided; this one is %(status)s.", status=status_word(p["status"]))


@message("series_no_pending")
def _series_no_pending(p):
    return _("No pending dates left in this series.")


@message("move_forbidden")
def _move_forbidden(p):
    return _("Only the group's representatives or the facility's staff can move this booking.")


@message("move_not_active", status="rejected")
def _move_not_active(p):
    return _("This booking is %(status)s; only pending or confirmed bookings can be moved.", status=status_word(p["status"]))


@message("move_started")
def _move_started(p):
    return _("A booking that has started or ended can no longer be moved.")


# --- Pages of staff and groups (spaces.staff_services, spaces.group_views) ------------------------


@message("staff_page_only")
def _staff_page_only(p):
    return _("This page is for facility staff.")


@message("group_page_representatives_only")
def _group_page_representatives_only(p):
    return _("Only the group's representatives can see this page.")


# --- Usage reports and no-shows (spaces.report_services) ------------------------------------------


@message("reports_sign_in")
def _reports_sign_in(p):
    return _("Sign in as staff or an administrator to see usage reports.")


@message("reports_own_facilities")
def _reports_own_facilities(p):
    return _("You can see reports of your own facilities only.")


@message("reports_staff_only")
def _reports_staff_only(p):
    return _("Usage reports are for facility staff and administrators.")


@message("no_show_staff_only")
def _no_show_staff_only(p):
    return _("Only the facility's staff can record a no-show.")


@message("no_show_not_confirmed", status="cancelled")
def _no_show_not_confirmed(p):
    return _("Only a confirmed booking can be a no-show; this one is %(status)s.", status=status_word(p["status"]))


@message("no_show_not_started")
def _no_show_not_started(p):
    return _("A no-show can be recorded only once the booking has started.")


# --- Request values the schemas refuse (spaces.schemas) -------------------------------------------


@message("iso_time_type")
def _iso_time_type(p):
    return _("Give a time as ISO 8601 text, e.g. 2027-01-05T18:00 or 2027-01-05T18:00:00+02:00.")


@message("iso_time_format", value="tomorrow")
def _iso_time_format(p):
    return _("'%(value)s' is not an ISO 8601 time, e.g. 2027-01-05T18:00.", value=p["value"])


@message("hhmm_format")
def _hhmm_format(p):
    return _("Use HH:MM, e.g. 08:00 or 21:30.")


@message("hhmm_range")
def _hhmm_range(p):
    return _("Use a time from 00:00 to 24:00.")


@message("closes_before_opens")
def _closes_before_opens(p):
    return _("The closing time must be after the opening time.")


@message("unknown_feature", feature="lift", known=["step_free_access", "induction_loop"])
def _unknown_feature(p):
    return _("Unknown feature '%(feature)s'; known: %(known)s.", feature=p["feature"], known=", ".join(p["known"]))


@message("free_window_pair")
def _free_window_pair(p):
    return _("Give both free_from and free_to.")


# --- Waiting lists, offers and check-in (spaces.services.waitlist) --------------------------------------


@message("waitlist_time_free")
def _waitlist_time_free(p):
    return _("This time is free: book it instead of joining the waiting list.")


@message("waitlist_already")
def _waitlist_already(p):
    return _("Your group is already in line for this time.")


@message("waitlist_entry_not_found", entry_id=17)
def _waitlist_entry_not_found(p):
    return _("There is no place %(id)s in your groups' waiting lists.", id=p["entry_id"])


@message("waitlist_not_open")
def _waitlist_not_open(p):
    return _("This place in line is no longer waiting.")


@message("series_not_found", series_id=12)
def _series_not_found(p):
    return _("There is no series %(id)s of your groups.", id=p["series_id"])


@message("series_not_asking")
def _series_not_asking(p):
    return _("This series does not need confirming: nothing of it is about to be released.")


@message("offer_own_groups_only")
def _offer_own_groups_only(p):
    return _("Only a representative of the group can accept or decline its offer.")


@message("not_an_offer", status="confirmed")
def _not_an_offer(p):
    return _("This booking is no offer to accept or decline: it is %(status)s.", status=status_word(p["status"]))


@message("offer_expired")
def _offer_expired(p):
    return _("This offer has expired; the time went to the next in line.")


@message("check_in_forbidden")
def _check_in_forbidden(p):
    return _("Only a representative of the group or the facility's staff can check in.")


@message("check_in_not_confirmed", status="pending")
def _check_in_not_confirmed(p):
    return _("Only a confirmed booking can be checked in; this one is %(status)s.", status=status_word(p["status"]))


@message("check_in_closed", **{"from": "2027-03-02T17:45:00+02:00", "until": "2027-03-02T18:15:00+02:00"})
def _check_in_closed(p):
    return _("Check-in is open from %(from)s until %(until)s.", **{"from": format_moment(p["from"]), "until": format_moment(p["until"])})


# --- Purpose and age groups (spaces.purposes), on bookings and on rounds' applications ------------------------


@message("purpose_unknown", purpose="p_42")
def _purpose_unknown(p):
    return _("%(code)s is not one of the purposes on the list.", code=p["purpose"])


@message("age_group_unknown", age_group="a_0_2")
def _age_group_unknown(p):
    return _("%(code)s is not one of the age groups on the list.", code=p["age_group"])
