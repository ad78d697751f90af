"""The words of calendars' codes (personal feed links, the .ics import and the events it skips), per
language. Each function turns one code's params into a sentence in the current language; see
commons.codes. A parser's own English words about a broken file (`detail`) are said in English only
(commons.i18n.with_detail): the sentence says enough in Finnish and Swedish.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from commons.codes import message
from commons.i18n import with_detail

# --- Personal feed links (calendars.services) ----------------------------------------------------


@message("feed_url_unknown")
def _feed_url_unknown(p):
    return _("None of your feed links has that address (it may have been replaced already).")


@message("feed_kind_unknown", known=["bookings", "group", "shifts"])
def _feed_kind_unknown(p):
    return _("Unknown feed kind; known: %(known)s.", known=", ".join(p["known"]))


@message("feed_not_yours")
def _feed_not_yours(p):
    return _("You have no feed of that kind and name; GET /api/v1/feeds lists yours.")


@message("feed_not_found")
def _feed_not_found(p):
    return _("There is no feed at this address.")


@message("feed_replaced")
def _feed_replaced(p):
    return _("There is no feed at this address. It may have been replaced with a new link.")


@message("feed_kind_or_url")
def _feed_kind_or_url(p):
    return _("Give the feed's kind and name, or its address.")


# --- The .ics import as a whole (calendars.services, calendars.api, calendars.imports) -------------


@message("import_staff_only")
def _import_staff_only(p):
    return _("Only the facility's staff (or an administrator) can import closures.")


@message("ics_file_field_missing")
def _ics_file_field_missing(p):
    return _("Send the .ics file in the multipart field 'file'.")


@message("ics_file_empty")
def _ics_file_empty(p):
    return _("The file is empty: send an .ics file (body text/calendar, or multipart field 'file').")


@message("file_too_large", max_kb=512)
def _file_too_large(p):
    return _("The file is too large: at most %(kb)d KB. Split it, or export a shorter period.", kb=p["max_kb"])


@message("ics_no_begin")
def _ics_no_begin(p):
    return _("This is not an iCalendar (.ics) file: it should begin with BEGIN:VCALENDAR. "
             "Export the calendar as .ics and send that.")


@message("ics_not_utf8")
def _ics_not_utf8(p):
    return _("The file is not UTF-8 text, as iCalendar files are.")


@message("ics_unreadable", detail="Content line could not be parsed into parts")
def _ics_unreadable(p):
    return with_detail(_("The file could not be read as iCalendar."), p.get("detail"))


@message("ics_no_vcalendar")
def _ics_no_vcalendar(p):
    return _("This is not an iCalendar (.ics) file: it holds no VCALENDAR.")


@message("ics_x_wr_timezone", detail="unknown time zone 'Mars/Olympus'")
def _ics_x_wr_timezone(p):
    return with_detail(_("The calendar's X-WR-TIMEZONE could not be used."), p.get("detail"))


@message("ics_too_deep", max_depth=8)
def _ics_too_deep(p):
    return _("The file nests components more than %(num)d deep; no calendar does that.", num=p["max_depth"])


@message("too_many_events", found=1001, limit=1000)
def _too_many_events(p):
    return _("The file has %(found)d events; import at most %(limit)d at a time: split the file.",
             found=p["found"], limit=p["limit"])


@message("too_many_closures", found=2001, limit=2000)
def _too_many_closures(p):
    return _("The file makes more than %(limit)d closures; import at most that many at a time: split the file.",
             limit=p["limit"])


@message("too_many_timezones", found=51, limit=50)
def _too_many_timezones(p):
    return _("The file has %(found)d time zones; one import takes at most %(limit)d.", found=p["found"], limit=p["limit"])


@message("ics_timezone_not_yearly", tzid="Customized Time Zone", freq="SECONDLY")
def _ics_timezone_not_yearly(p):
    return _("The time zone %(tzid)s repeats its change with FREQ=%(freq)s; a time zone changes at most a few "
             "times a year (FREQ=YEARLY).", tzid=p["tzid"], freq=p["freq"])


@message("ics_timezone_unreadable", tzid="Customized Time Zone")
def _ics_timezone_unreadable(p):
    return _("The time zone %(tzid)s has a rule that cannot be read.", tzid=p["tzid"])


@message("ics_timezone_too_many_parts", tzid="Customized Time Zone", found=2500, limit=50)
def _ics_timezone_too_many_parts(p):
    return _("The time zone %(tzid)s has %(found)d parts (STANDARD and DAYLIGHT); at most %(limit)d.",
             tzid=p["tzid"], found=p["found"], limit=p["limit"])


@message("ics_timezone_too_many_changes", tzid="Customized Time Zone", found=10400, limit=10000)
def _ics_timezone_too_many_changes(p):
    return _("The time zone %(tzid)s has more changes than one import works out (%(found)d, at most %(limit)d).",
             tzid=p["tzid"], found=p["found"], limit=p["limit"])


@message("ics_too_complex", found=500400, limit=500000)
def _ics_too_complex(p):
    return _("The repeating events of the file together take too long to work out. Split the file.")


@message("import_space_changed")
def _import_space_changed(p):
    return _("The time zone of the space changed while the file was being read. Import the file again.")


# --- An event the import skips (calendars.imports.Skipped: "UID: why") ------------------------------


@message("ics_broken_line", property="DTSTART", detail="Expected datetime, date, or time")
def _ics_broken_line(p):
    where = f"{p['property']}: " if p.get("property") else ""
    detail = f"{where}{p['detail']}" if p.get("detail") else p.get("property")
    return with_detail(_("broken line"), detail)


@message("ics_no_start")
def _ics_no_start(p):
    return _("no start date (DTSTART)")


@message("ics_cancelled")
def _ics_cancelled(p):
    return _("the event is cancelled")


@message("ics_interval_not_whole", interval="0")
def _ics_interval_not_whole(p):
    return _("its rule's INTERVAL=%(interval)s is not a whole number of at least 1", interval=p["interval"])


@message("ics_dates_unworkable", detail="unsupported RRULE part")
def _ics_dates_unworkable(p):
    return with_detail(_("its dates could not be worked out"), p.get("detail"))


@message("ics_repeats_too_often")
def _ics_repeats_too_often(p):
    return _("it repeats too often over too long a time (e.g. every minute for years) to be worked out")


@message("ics_too_many_dates", max_dates=1000)
def _ics_too_many_dates(p):
    return ngettext("it repeats more than %(num)d time in the import window",
                    "it repeats more than %(num)d times in the import window", p["max_dates"])


@message("ics_no_dates_in_window")
def _ics_no_dates_in_window(p):
    return _("no dates between the start of today and the end of the import window")


@message("ics_time_unreadable", detail="not a date or time")
def _ics_time_unreadable(p):
    return with_detail(_("its time could not be read"), p.get("detail"))


@message("ics_no_length")
def _ics_no_length(p):
    return _("it has no length (a start but no end): a closure needs both")


@message("ics_too_long", max_days=400)
def _ics_too_long(p):
    return ngettext("it lasts longer than %(num)d day", "it lasts longer than %(num)d days", p["max_days"])
