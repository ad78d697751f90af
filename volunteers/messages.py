"""The words of volunteers' refusal codes (profiles, activities, shifts, sign-ups and the waitlist,
invitations, attendance, fill plans, and what the request schemas refuse), per language.

Each function turns one code's params into a sentence in the current language; see commons.codes.
The reason codes are the ones the API has always answered with (`error.reason`: `past`,
`overlap`, `not_eligible`, ...); the params carry the values (an age limit, a booking's time as
ISO 8601 in the site's zone). What an organiser reads never says which personal rule kept a
volunteer out (`not_eligible`, `plan_not_eligible`). The words of the match reasons (why a shift
suits someone) are in volunteers.reasons.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from commons.codes import message
from commons.i18n import ON_WEEKDAYS, format_span_of

EXAMPLE_START = "2027-03-02T18:00:00+02:00"
EXAMPLE_END = "2027-03-02T20:00:00+02:00"


# --- What is not there -----------------------------------------------------------------------------


@message("activity_not_found", activity_id=12)
def _activity_not_found(p):
    return _("There is no activity %(id)s.", id=p["activity_id"])


@message("shift_not_found", shift_id=34)
def _shift_not_found(p):
    return _("This shift no longer exists.")


@message("signup_not_found", signup_id=56)
def _signup_not_found(p):
    return _("There is no sign-up %(id)s on a shift you organise.", id=p["signup_id"])


@message("profile_not_found")
def _profile_not_found(p):
    return _("You have no volunteer profile yet; PUT /api/v1/volunteers/me creates it.")


# --- Who organises ---------------------------------------------------------------------------------


@message("not_organiser")
def _not_organiser(p):
    return _("Only the activity's organisers can do this.")


@message("organisers_only_page")
def _organisers_only_page(p):
    return _("Only the activity's organisers can see this page.")


@message("organising_verified_only")
def _organising_verified_only(p):
    return _("Only representatives of verified groups and facility staff can create activities. "
             "The city verifies a group on request.")


@message("group_not_verified")
def _group_not_verified(p):
    return _("Only a verified group can organise volunteers. The city verifies groups on request.")


# --- Activities ------------------------------------------------------------------------------------


@message("organiser_missing")
def _organiser_missing(p):
    return _("Say who organises the activity: a group you represent or a facility you staff.")


@message("organiser_both")
def _organiser_both(p):
    return _("Choose either a group or a facility as the organiser, not both.")


@message("booking_needs_group")
def _booking_needs_group(p):
    return _("Only a group's activity can be linked to one of the group's bookings.")


@message("booking_not_group")
def _booking_not_group(p):
    return _("Choose one of your group's own upcoming bookings.")


@message("booking_inactive", status="cancelled")
def _booking_inactive(p):
    return _("That booking is cancelled or over: choose another one.")


@message("linked_booking_inactive", status="cancelled")
def _linked_booking_inactive(p):
    return _("The booking this activity is linked to is no longer active.")


# --- Profiles --------------------------------------------------------------------------------------


@message("no_profile")
def _no_profile(p):
    return _("Fill in your volunteer profile first.")


@message("inactive_profile")
def _inactive_profile(p):
    return _("Your profile is on a break. Tick \"Recommend shifts to me\" in your profile to take shifts again.")


@message("availability_overlap", weekday=1)
def _availability_overlap(p):
    return _("Two of the times you are free %(on_day)s overlap: make them one.", on_day=ON_WEEKDAYS[p["weekday"] % 7])


@message("window_end_before_start")
def _window_end_before_start(p):
    return _("Check this time: the end must be after the start.")


@message("unknown_skill", skill="juggling")
def _unknown_skill(p):
    return _("%(skill)s is not one of the skills on the list.", skill=p["skill"])


@message("not_a_language_code", value="xx")
def _not_a_language_code(p):
    return _("%(value)s is not a language code (such as fi, sv or en).", value=p["value"])


@message("tag_empty")
def _tag_empty(p):
    return _("A tag cannot be empty.")


@message("tag_too_long", max_length=80)
def _tag_too_long(p):
    return _("Each tag can be at most %(num)d characters.", num=p["max_length"])


@message("district_empty")
def _district_empty(p):
    return _("A district cannot be empty.")


@message("district_too_long", max_length=80)
def _district_too_long(p):
    return _("A district can be at most %(num)d characters.", num=p["max_length"])


@message("date_of_birth_invalid")
def _date_of_birth_invalid(p):
    return _("Give your date of birth, e.g. 2008-05-17.")


@message("guardian_name_needed")
def _guardian_name_needed(p):
    return _("Give your guardian's name and contact too.")


# --- Shifts ----------------------------------------------------------------------------------------


@message("shift_too_long", max_hours=24)
def _shift_too_long(p):
    return ngettext("A shift can last at most %(num)d hour.", "A shift can last at most %(num)d hours.", p["max_hours"])


@message("shift_start_past")
def _shift_start_past(p):
    return _("A shift must start in the future.")


@message("outside_booking", start=EXAMPLE_START, end=EXAMPLE_END)
def _outside_booking(p):
    return _("The shift must be within the linked booking's time, %(when)s.", when=format_span_of(p["start"], p["end"]))


@message("cancelled")
def _cancelled(p):
    return _("This shift is cancelled.")


@message("past")
def _past(p):
    return _("This shift has already started or is over.")


@message("started")
def _started(p):
    return _("This shift has already started or is over.")


@message("age_rule_fixed")
def _age_rule_fixed(p):
    return _("Volunteers are on this shift or invited to it, so its minimum age and its day can no longer change. "
             "Cancel it and add a new shift instead.")


# --- Holding a place -------------------------------------------------------------------------------


@message("overlap")
def _overlap(p):
    return _("You already have a shift at that time.")


@message("over_hours", max_minutes=240)
def _over_hours(p):
    return _("This shift would take you past the hours a week you said you can give. You can change them in your profile.")


@message("too_young", min_age=16)
def _too_young(p):
    return _("This shift needs volunteers aged %(age)s or over.", age=p["min_age"])


@message("needs_birth_date", min_age=16)
def _needs_birth_date(p):
    return _("This shift has a minimum age: add your date of birth to your profile first.")


@message("needs_consent")
def _needs_consent(p):
    return _("You are under 18: your guardian's consent must be recorded in your profile first.")


@message("removed")
def _removed(p):
    return _("The organiser has taken you off this shift.")


@message("not_signed_up", organiser=False)
def _not_signed_up(p):
    if p.get("organiser"):
        return _("This person is not on the shift.")
    return _("You are not signed up for this shift.")


# --- Invitations -----------------------------------------------------------------------------------


@message("already")
def _already(p):
    return _("Already signed up for this shift.")


@message("not_eligible")
def _not_eligible(p):
    return _("This volunteer is not among the candidates for this shift.")


# --- Attendance ------------------------------------------------------------------------------------


@message("not_confirmed")
def _not_confirmed(p):
    return _("Only people with a place on the shift can be marked.")


@message("not_started")
def _not_started(p):
    return _("Attendance can be recorded once the shift has started.")


@message("minutes_worked_range", max_minutes=1440)
def _minutes_worked_range(p):
    return _("Give the minutes worked as a number from 0 to %(num)d.", num=p["max_minutes"])


# --- Fill plans ------------------------------------------------------------------------------------


@message("plan_scope_missing")
def _plan_scope_missing(p):
    return _("Say which shifts to plan: chosen shifts, an activity's, or a district's in a period.")


@message("plan_district_needs_period")
def _plan_district_needs_period(p):
    return _("A plan for a district needs the start and the end of its period.")


@message("plan_shifts_not_open", shift_ids=[12, 34])
def _plan_shifts_not_open(p):
    return _("Some shifts are not open shifts in the future: %(ids)s.", ids=", ".join(str(i) for i in p["shift_ids"]))


# Why an assignment of a fill plan got no invitation, as its organiser reads it (nothing personal).
@message("plan_already")
def _plan_already(p):
    return _("Already on this shift or invited to it.")


@message("plan_full")
def _plan_full(p):
    return _("Every place is taken or has an invitation out.")


@message("plan_not_eligible")
def _plan_not_eligible(p):
    return _("No longer among the candidates for this shift.")


@message("plan_removed")
def _plan_removed(p):
    return _("Taken off this shift earlier.")


# --- Credentials, people without an account, certificates of hours ------------------------------------


def _kind(p) -> str:
    from volunteers.reasons import credential_name

    return credential_name(p["kind"])


def _day(p, key: str = "shift_date") -> str:
    from datetime import date

    from commons.i18n import format_day

    return format_day(date.fromisoformat(p[key]))


@message("credential_missing", kind="first_aid", problem="missing", shift_date="2027-03-02")
def _credential_missing(p):
    return _("This shift needs a %(kind)s valid on %(date)s, and the staff have not seen one of yours. "
             "Show yours to the staff at a library or a youth centre.", kind=_kind(p).lower(), date=_day(p))


@message("credential_expires", kind="first_aid", problem="expires", shift_date="2027-03-02")
def _credential_expires(p):
    return _("Your %(kind)s expires before this shift (%(date)s). Once the staff have seen a renewed one, you can sign up.",
             kind=_kind(p).lower(), date=_day(p))


@message("unknown_credential_kind", kind="driving_licence")
def _unknown_credential_kind(p):
    return _("%(kind)s is not one of the credential kinds on the list.", kind=p["kind"])


@message("credentials_staff_only")
def _credentials_staff_only(p):
    return _("Only staff can record or remove a volunteer's credentials.")


@message("volunteer_not_found", volunteer_id=12)
def _volunteer_not_found(p):
    return _("There is no volunteer %(id)s.", id=p["volunteer_id"])


@message("credential_not_found", credential_id=12)
def _credential_not_found(p):
    return _("There is no such credential for this volunteer.")


@message("certificate_not_found")
def _certificate_not_found(p):
    return _("There is no certificate with this code, or its holder has withdrawn it.")


@message("certificate_year", first=2000, last=2200)
def _certificate_year(p):
    return _("Give a year from %(first)s to %(last)s.", first=p["first"], last=p["last"])



@message("shift_full")
def _shift_full(p):
    return _("The shift has no free places left.")


@message("guests_staff_only")
def _guests_staff_only(p):
    return _("Only staff can erase a person signed up without an account.")
