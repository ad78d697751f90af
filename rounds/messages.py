"""The words of the seasonal rounds' codes: refusals of the API and pages, and the reasons a wish
got no slot (rounds.allocation), per language (see commons.codes)."""
from __future__ import annotations

from flask_babel import gettext as _

from commons.codes import message, say
from commons.i18n import ON_WEEKDAYS, format_clock, format_moment

# --- What is not there, who may ---------------------------------------------------------------------


@message("round_not_found", round_id=3)
def _round_not_found(p):
    return _("There is no round %(id)s.", id=p["round_id"])


@message("application_not_found", application_id=12)
def _application_not_found(p):
    return _("There is no application %(id)s in this round.", id=p["application_id"])


@message("allocation_not_found", allocation_id=40)
def _allocation_not_found(p):
    return _("There is no allocation %(id)s in this round.", id=p["allocation_id"])


@message("round_staff_only")
def _round_staff_only(p):
    return _("Only the staff of the facilities of all the round's spaces can do this.")


@message("round_representatives_only")
def _round_representatives_only(p):
    return _("Only a representative of the group can apply for it or change its application.")


@message("round_verified_only")
def _round_verified_only(p):
    return _("Only a verified group can apply in a round. The city verifies groups on request.")


# --- The round's times --------------------------------------------------------------------------------


@message("round_not_open", opens="2027-05-01T09:00:00+03:00", closes="2027-05-31T16:00:00+03:00")
def _round_not_open(p):
    return _("Applications are taken only from %(opens)s until %(closes)s.",
             opens=format_moment(p["opens"]), closes=format_moment(p["closes"]))


@message("round_not_closed", closes="2027-05-31T16:00:00+03:00")
def _round_not_closed(p):
    return _("The time can be allocated only after the applications close (%(closes)s).", closes=format_moment(p["closes"]))


@message("round_published")
def _round_published(p):
    return _("This round has been published; its allocations can no longer be changed.")


@message("round_dates_order")
def _round_dates_order(p):
    return _("The season must end after it starts, and applications must close after they open.")


@message("round_space_unknown", space_id=7)
def _round_space_unknown(p):
    return _("Space %(id)s is not one of this round's spaces.", id=p["space_id"])


@message("priority_class_unknown", priority_class="class_a")
def _priority_class_unknown(p):
    return _("%(code)s is not one of this round's priority classes.", code=p["priority_class"])


@message("priority_class_duplicate", priority_class="class_a")
def _priority_class_duplicate(p):
    return _("The priority class %(code)s is listed twice.", code=p["priority_class"])


@message("wish_unknown", wish=3)
def _wish_unknown(p):
    return _("The application has no wish number %(n)s.", n=p["wish"])


@message("allocation_clash", weekday=1, start=1080, end=1200)
def _allocation_clash(p):
    return _("Another allocation already has this space %(on_day)s around %(start)s–%(end)s.",
             on_day=ON_WEEKDAYS[p["weekday"] % 7], start=format_clock(p["start"]), end=format_clock(p["end"]))


@message("allocation_rule", rule="outside_opening_hours")
def _allocation_rule(p):
    words = {
        "too_short": _("The slot is shorter than the space allows."),
        "too_long": _("The slot is longer than the space allows."),
        "off_grid": _("The slot must start and end on the space's time grid."),
        "outside_opening_hours": _("The space is not open at that time."),
        "over_capacity": _("The space holds fewer people than the application is for."),
    }
    return words.get(p["rule"], _("The slot breaks the space's booking rules."))


@message("publish_refused", refusal="book_on_behalf_unverified", params={})
def _publish_refused(p):
    return _("No date of this allocation could be booked: %(detail)s", detail=say(p["refusal"], p.get("params", {})))


# --- Why a wish got no slot, or fewer than it asked ---------------------------------------------------


@message("partly_met", allocated=1, asked=2)
def _partly_met(p):
    return _("The wish got %(allocated)s of the %(asked)s weekly slots it asked for: the rest went to other groups' "
             "first slots under the fairness rule, or no more free time was left in the windows.",
             allocated=p["allocated"], asked=p["asked"])


@message("wish_spaces_too_small", attendees=40, capacity=25)
def _wish_spaces_too_small(p):
    return _("The application is for %(attendees)s people, and the spaces of this wish hold at most %(capacity)s.",
             attendees=p["attendees"], capacity=p["capacity"])


@message("wish_too_long", minutes=300, max_minutes=240)
def _wish_too_long(p):
    return _("A slot of %(minutes)s minutes is longer than the spaces allow (at most %(max)s minutes).",
             minutes=p["minutes"], max=p["max_minutes"])


@message("wish_too_short", minutes=15, min_minutes=30)
def _wish_too_short(p):
    return _("A slot of %(minutes)s minutes is shorter than the spaces allow (at least %(min)s minutes).",
             minutes=p["minutes"], min=p["min_minutes"])


@message("wish_off_grid", minutes=45, slot_minutes=30)
def _wish_off_grid(p):
    return _("The spaces are booked in steps of %(step)s minutes, so a slot of %(minutes)s minutes does not fit.",
             step=p["slot_minutes"], minutes=p["minutes"])


@message("no_space")
def _no_space(p):
    return _("None of the wished spaces is in this round.")


@message("space_closed_then")
def _space_closed_then(p):
    return _("The wished spaces are not open long enough in your time windows.")


@message("time_taken")
def _time_taken(p):
    return _("There is no free time in your windows: the time is already booked, closed or allocated by the staff.")


@message("lost_priority_class", other_class="Urheiluseurat", own_class="Muut yhteisöt")
def _lost_priority_class(p):
    return _("The time in your windows went to a group of a higher priority class (%(other)s) under the round's priority "
             "classes, which come first.", other=p["other_class"])


@message("lost_fairness")
def _lost_fairness(p):
    return _("The time in your windows went to other groups' first slots under the fairness rule: no group gets a further "
             "slot while a group whose wish can be met has none.")


@message("lost_fairness_served")
def _lost_fairness_served(p):
    return _("Your group already got a slot from another wish; under the fairness rule the rest of the time went to "
             "groups that would otherwise have had none.")


@message("lost_minutes")
def _lost_minutes(p):
    return _("The time in your windows was given so that as many of all the wished hours as possible could be met, "
             "and your wish did not fit around the others.")


@message("lost_tie_break")
def _lost_tie_break(p):
    return _("Equal wishes competed for the time; under the round's tie-break the earlier application came first.")
