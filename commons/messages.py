"""The words of commons' own codes (accounts, groups, facilities, the audit log, the API's own
refusals, and the kinds of invalid input pydantic finds), per language.

Each function turns one code's params into a sentence in the current language; see commons.codes.
The codes of the kinds of invalid input are pydantic's error types (`missing`, `int_parsing`,
`string_too_long`, ...; commons.apispec.said_of), so that a page shows a field's refusal in its
language while the API keeps pydantic's own English words in `fields`.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from commons.codes import message


def listed(values) -> str:
    """Values a sentence lists (codes, field names), as they are written in the API."""
    return ", ".join(str(v) for v in values)


# --- The API's own refusals ---------------------------------------------------------------------------


@message("bearer_format")
def _bearer_format(p):
    return _("Send the token as 'Authorization: Bearer TOKEN'.")


@message("token_invalid")
def _token_invalid(p):
    return _("That API token is not valid: it may have been revoked or mistyped.")


@message("sign_in_required")
def _sign_in_required(p):
    return _("Sign in, or send an API token as 'Authorization: Bearer TOKEN'.")


@message("admin_only")
def _admin_only(p):
    return _("Only an administrator can do this.")


@message("csrf_header")
def _csrf_header(p):
    return _("Send the page's CSRF token in the X-CSRFToken header, or use an API token.")


@message("bad_json")
def _bad_json(p):
    return _("The body is not valid JSON.")


@message("json_not_object")
def _json_not_object(p):
    return _("The body must be a JSON object.")


@message("nul_character")
def _nul_character(p):
    return _("Text cannot contain the NUL character (\\u0000).")


@message("fields_invalid", fields=["attendees", "title"])
def _fields_invalid(p):
    return _("Some fields need fixing: %(fields)s.", fields=listed(p["fields"]))


# --- The database's own guards (commons.errors) ----------------------------------------------------------


@message("booked_meanwhile")
def _booked_meanwhile(p):
    return _("This time was booked by someone else a moment ago. Choose another time.")


@message("already_stored")
def _already_stored(p):
    return _("This conflicts with something stored already.")


# --- Accounts, groups and facilities (commons.services) ---------------------------------------------------


@message("unknown_role", roles=["member", "volunteer", "staff", "admin"])
def _unknown_role(p):
    return _("The role must be one of %(roles)s.", roles=listed(p["roles"]))


@message("facility_needs_staff")
def _facility_needs_staff(p):
    return _("Only staff can be attached to a facility.")


@message("email_invalid")
def _email_invalid(p):
    return _("Give an e-mail address.")


@message("password_too_short")
def _password_too_short(p):
    return _("The password must be at least 8 characters.")


@message("user_not_found", email="maija@example.fi")
def _user_not_found(p):
    return _("No user with the e-mail %(email)s.", email=p["email"])


@message("group_name_taken")
def _group_name_taken(p):
    return _("A group with this name, or a name that looks the same, is registered already. "
             "If it is your group, ask its representative to add you.")


@message("bidi_control", fields=["name"])
def _bidi_control(p):
    return _("Remove the text direction control characters (such as U+202E): they make the text show as something "
             "else than it is.")


@message("group_not_found", group_id=12)
def _group_not_found(p):
    return _("There is no group %(id)s.", id=p["group_id"])


@message("representatives_only")
def _representatives_only(p):
    return _("Only the group's representatives can add representatives.")


@message("not_a_representative")
def _not_a_representative(p):
    return _("You are not a representative of this group.")


@message("last_representative")
def _last_representative(p):
    return _("You are the group's only representative. Add another representative before you leave, or ask an "
             "administrator to help.")


@message("representative_no_account")
def _representative_no_account(p):
    return _("Nobody has an account with that e-mail yet. Ask them to sign up first, then add them here.")


@message("facility_name_taken")
def _facility_name_taken(p):
    return _("A facility with this name exists already.")


@message("facility_not_found", facility_id=3)
def _facility_not_found(p):
    return _("There is no facility %(id)s.", id=p["facility_id"])


@message("staff_no_account")
def _staff_no_account(p):
    return _("Nobody has an account with that e-mail. Ask them to sign up first.")


@message("not_staff_of_facility")
def _not_staff_of_facility(p):
    return _("That person is not staff of this facility.")


@message("signup_role_not_allowed")
def _signup_role_not_allowed(p):
    return _("You can sign up as a group representative or a volunteer.")


@message("email_registered")
def _email_registered(p):
    return _("An account with this e-mail exists already. Sign in instead, or use another address.")


@message("email_taken")
def _email_taken(p):
    return _("Another account has this e-mail address.")


@message("email_unverified")
def _email_unverified(p):
    return _("Confirm your e-mail address first: open the link we sent to it. Until then you cannot book or represent a group.")


@message("representative_unverified")
def _representative_unverified(p):
    return _("That person has not confirmed their e-mail address yet. Ask them to open the link we sent them, then add them here.")


@message("link_invalid")
def _link_invalid(p):
    return _("This link does not work: it has been used already, or a newer link was sent. Ask for a new one.")


@message("oidc_email_unverified")
def _oidc_email_unverified(p):
    return _("The city's identity service did not give a confirmed e-mail address for you. Confirm your address there, or sign in with your password.")


@message("oidc_other_identity")
def _oidc_other_identity(p):
    return _("The account with this e-mail address is linked to another identity at the city's service. Sign in with your password.")


@message("link_expired")
def _link_expired(p):
    return _("This link is too old. Ask for a new one.")


@message("current_password_wrong")
def _current_password_wrong(p):
    return _("The current password is not right.")


@message("password_changed_meanwhile")
def _password_changed_meanwhile(p):
    return _("Your password was changed in another browser while this change was being made. "
             "Nothing was changed here: try again with the password now in use.")


@message("name_required")
def _name_required(p):
    return _("Give your name.")


@message("unknown_language", languages=["fi", "sv", "en"])
def _unknown_language(p):
    return _("The language must be one of %(languages)s.", languages=listed(p["languages"]))


# --- The audit log (commons.audit) ---------------------------------------------------------------------


@message("year_out_of_range")
def _year_out_of_range(p):
    return _("Give a date between the years 2000 and 2200.")


@message("last_day_before_first")
def _last_day_before_first(p):
    return _("The last day must not be before the first day.")


@message("unknown_audit_action", action="booking.eat", known=["booking.approve", "booking.reject"])
def _unknown_audit_action(p):
    return _("Unknown action '%(action)s': use one of %(known)s.", action=p["action"], known=listed(p["known"]))


@message("audit_log_forbidden")
def _audit_log_forbidden(p):
    return _("The audit log is for administrators and facility staff.")


# --- Request values our own validators refuse (commons.schemas) -------------------------------------------


@message("id_not_bool")
def _id_not_bool(p):
    return _("Give an id as a number, not true or false.")


@message("number_not_bool")
def _number_not_bool(p):
    return _("Give a number, not true or false.")


@message("email_format")
def _email_format(p):
    return _("Give an e-mail address like name@example.fi.")


# --- The kinds of invalid input pydantic finds (commons.apispec.said_of) -----------------------------------


@message("missing")
def _missing(p):
    return _("This field is required.")


@message("extra_forbidden")
def _extra_forbidden(p):
    return _("This field is not known here: leave it out.")


@message("invalid_value")
def _invalid_value(p):
    return _("This value is not valid.")


@message("int_parsing")
def _int_parsing(p):
    return _("Give a whole number.")


@message("float_parsing")
def _float_parsing(p):
    return _("Give a number.")


@message("bool_parsing")
def _bool_parsing(p):
    return _("Give true or false.")


@message("string_type")
def _string_type(p):
    return _("Give text.")


@message("list_type")
def _list_type(p):
    return _("Give a list.")


@message("dict_type")
def _dict_type(p):
    return _("Give an object with named values.")


@message("date_parsing")
def _date_parsing(p):
    return _("Give a date like 2027-01-05.")


@message("datetime_parsing")
def _datetime_parsing(p):
    return _("Give a time like 2027-01-05T18:00.")


@message("time_parsing")
def _time_parsing(p):
    return _("Give a time of day like 18:00.")


@message("string_too_short", min_length=1)
def _string_too_short(p):
    if p["min_length"] <= 1:
        return _("This field is required.")
    return ngettext("Give at least %(num)d character.", "Give at least %(num)d characters.", p["min_length"])


@message("string_too_long", max_length=200)
def _string_too_long(p):
    return ngettext("At most %(num)d character.", "At most %(num)d characters.", p["max_length"])


@message("string_pattern_mismatch")
def _string_pattern_mismatch(p):
    return _("The text is not in the right form.")


@message("list_too_short", min_length=1)
def _list_too_short(p):
    return ngettext("Give at least %(num)d item.", "Give at least %(num)d items.", p["min_length"])


@message("list_too_long", max_length=20)
def _list_too_long(p):
    return ngettext("Give at most %(num)d item.", "Give at most %(num)d items.", p["max_length"])


@message("greater_than", gt=0)
def _greater_than(p):
    return _("Give a number greater than %(limit)s.", limit=p["gt"])


@message("greater_than_equal", ge=1)
def _greater_than_equal(p):
    return _("Give a number of at least %(limit)s.", limit=p["ge"])


@message("less_than", lt=100)
def _less_than(p):
    return _("Give a number less than %(limit)s.", limit=p["lt"])


@message("less_than_equal", le=500)
def _less_than_equal(p):
    return _("Give a number of at most %(limit)s.", limit=p["le"])


@message("one_of", allowed=["reject", "skip"])
def _one_of(p):
    return _("Choose one of these: %(allowed)s.", allowed=listed(p["allowed"]))


@message("language_unknown", language="de")
def _language_unknown(p):
    return _("“%(language)s” is not a language of this service; choose Finnish, Swedish or English.", language=p["language"])
