"""Use cases for volunteers, activities, shifts and sign-ups, one module per use case; callers use
`from volunteers import services` and `services.name` (the public names are re-exported here).

- profiles: a volunteer's profile;
- organisers: who organises which activity, shift and sign-up;
- activities: activities and the public lists of them;
- shifts: adding, changing and cancelling shifts;
- facts: the facts the matching reads, and the cached set of every active volunteer;
- candidates: matching (recommended shifts, a match explained, a shift's ranked candidates);
- places: holding a place, the waitlist and promotion from it;
- signups: signing up, withdrawing, invitations, a shift's list;
- hours: attendance and a volunteer's hours;
- fill_plans: proposing and applying fill plans;
- personal_data: the export and erasure hooks;
- credentials: credentials staff saw, and the notice before one runs out;
- certificates: attended hours per year and certificates of them;
- guests: people without an account, signed up by organisers;
- common: what they share.

Each public function that writes is one transaction (commons.db.write_transaction); the matching
itself is volunteers.rules (pure). Refusals are commons.errors (Invalid with `fields`, Forbidden,
NotFound, Conflict, ApiError code "state"/"rule") with a `reason` code and `params`, whose words are
in volunteers.messages: pages say them in the reader's language (next to the fields they name), the
API answers 4xx with the English `message`, `reason`, `params` and `fields`.

Data in: a service that takes `data` accepts the pydantic model of volunteers.schemas or a plain
dict (validated with that model; a bad dict raises Invalid with `fields`).
"""
from __future__ import annotations

from volunteers.services.activities import (activity_shift_views, create_activity, linked_booking, list_activities,
                                           update_activity)
from volunteers.services.candidates import (MATCH_AHEAD, Candidate, blocked_candidates_for, blocked_matches_for, candidates_for,
                                           explain, is_candidate, matches_for)
from volunteers.services.certificates import (YearHours, find_certificate, make_certificate, my_certificates, my_hours,
                                              withdraw_certificate)
from volunteers.services.common import LISTED, ShiftView, get_activity, get_shift_view
from volunteers.services.credentials import (EXPIRY_NOTICE_DAYS, can_record_credentials, credentials_of, find_volunteer, record_credential,
                                             remove_credential, send_expiry_notices, volunteer_credentials)
from volunteers.services.facts import (FAIRNESS_DAYS, VolunteerSet, all_volunteer_facts, current_names,
                                       organisers_ages_on, shift_facts, volunteer_facts)
from volunteers.services.fill_plans import ApplyResult, Refused, apply_fill_plan, propose_fill_plan
from volunteers.services.guests import GUEST_RETENTION_DAYS, counter_signup, erase_guest, forget_old_guests
from volunteers.services.hours import MyShift, MyShifts, counted_minutes, my_shifts, record_attendance
from volunteers.services.organisers import (bookings_for_activity, can_organise, my_activities,
                                            organisable_groups_and_facilities, organised_ids, organising_group_ids)
from volunteers.services.personal_data import erase_personal_data, export_personal_data
from volunteers.services.profiles import get_profile, profile_dict, save_profile, volunteer_without_groups
from volunteers.services.shifts import MAX_SHIFT, cancel_shift, create_shift, update_shift
from volunteers.services.signups import (SignupResult, SignupView, invite, my_signup, remove_signup, shift_signups,
                                         signup, withdraw)

__all__ = [
    "EXPIRY_NOTICE_DAYS", "YearHours", "can_record_credentials", "credentials_of", "find_certificate", "find_volunteer", "make_certificate",
    "my_certificates", "my_hours", "record_credential", "remove_credential", "send_expiry_notices", "volunteer_credentials",
    "withdraw_certificate", "GUEST_RETENTION_DAYS", "counter_signup", "erase_guest", "forget_old_guests",
    "FAIRNESS_DAYS", "LISTED", "MATCH_AHEAD", "MAX_SHIFT",
    "ApplyResult", "Candidate", "MyShift", "MyShifts", "Refused", "ShiftView", "SignupResult", "SignupView", "VolunteerSet",
    "activity_shift_views", "all_volunteer_facts", "blocked_candidates_for", "blocked_matches_for", "apply_fill_plan", "bookings_for_activity", "can_organise",
    "cancel_shift", "candidates_for", "counted_minutes", "create_activity", "create_shift", "current_names",
    "erase_personal_data", "explain", "export_personal_data", "get_activity", "get_profile", "get_shift_view",
    "invite", "is_candidate", "linked_booking", "list_activities", "matches_for", "my_activities", "my_shifts", "my_signup",
    "organisable_groups_and_facilities", "organised_ids", "organisers_ages_on", "organising_group_ids",
    "profile_dict", "propose_fill_plan", "record_attendance", "remove_signup", "save_profile",
    "shift_facts", "shift_signups", "signup", "update_activity", "update_shift", "volunteer_facts", "withdraw",
]
