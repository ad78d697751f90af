"""Use cases for spaces, closures and bookings, one module per use case; callers use
`from spaces import services` and `services.name` (the public names are re-exported here).

- common: what they share: request times at the edges (to_utc), a space and its rules, the staff
  check, the bookings and closures in the way of a time, a group's weekly quota used, the audit facts;
- spaces: creating, changing and searching spaces (opening hours, features);
- families: spaces made of parts: the family map, the family's lock, changing what a space is part of;
- free_times: a space's availability in a window, the free times nearest to a taken one;
- closures: adding, listing and removing closures;
- refusals: a refused booking or move as the API shows it (409 conflicts, 422 violations);
- bookings: making a booking or a series (the plan before the write lock, the re-check under it);
- booking_lists: one booking the actor may see, pages of them, bookings by id;
- booking_changes: cancelling, deciding, moving, and the status change they write;
- pages: what the HTML pages read besides (districts, equipment, bookable groups, public titles);
- booking_checks: what the booking form asks first (the group last booked for, the group's bookings elsewhere then);
- personal_data: the export and erasure hooks, and erasing a counter booking's contact;
- offers: offers to the waiting list (offer_freed, called by every change that frees time);
- waitlist: waiting lists, accepting and declining offers, and check-in.

Each public function that writes is one transaction (commons.db.write_transaction). Rules live in
spaces.rules (pure); these modules load what they need, ask them, and write the result. Refusals are
commons.errors with a `reason` code and `params`, whose words are in spaces.messages.
"""
from __future__ import annotations

from spaces.services.booking_checks import Elsewhere, last_booked_group, same_group_elsewhere
from spaces.services.booking_changes import cancel_booking, decide, move_booking, set_status
from spaces.services.booking_lists import bookings_by_ids, bookings_page, get_booking, list_bookings
from spaces.services.bookings import BookingResult, book_in_transaction, counter_group, create_booking, space_for_booking
from spaces.services.closures import (MAX_CLOSURE, add_closure, add_facility_closure, cancel_closed_bookings, closures_by_ids, delete_closure,
                                      hit_bookings, list_closures)
from spaces.services.common import (ADVISORY_SPACE, LOOKBACK, MAX_WINDOW, booking_facts, family_closures, family_select, check_period, get_space, load_busy,
                                    quota_usage, require_staff, space_rules, to_utc)
from spaces.services.families import family_of, family_roots, lock_families, lock_family, parent_map, set_part_of
from spaces.services.free_times import availability, nearest_free_times, other_free_spaces
from spaces.services.pages import bookable_groups, list_districts, list_equipment, own_bookings, public_titles
from spaces.services.personal_data import erase_contact, export_bookings_made, forget_booker
from spaces.services.refusals import problem_out, refusal
from spaces.services.spaces import Instead, create_space, search_instead, search_spaces, update_space
from spaces.services.offers import offer_freed

__all__ = [
    "ADVISORY_SPACE", "LOOKBACK", "MAX_CLOSURE", "MAX_WINDOW",
    "BookingResult", "Instead",
    "add_closure", "add_facility_closure", "availability", "cancel_closed_bookings", "closures_by_ids", "hit_bookings", "book_in_transaction", "bookable_groups", "booking_facts", "bookings_by_ids", "bookings_page",
    "cancel_booking", "check_period", "counter_group", "erase_contact", "family_closures", "family_of", "family_select", "family_roots", "lock_families", "lock_family", "parent_map", "set_part_of", "create_booking", "create_space", "decide", "delete_closure", "export_bookings_made",
    "forget_booker", "get_booking", "get_space", "list_bookings", "list_closures", "list_districts", "list_equipment",
    "load_busy", "offer_freed", "own_bookings", "move_booking", "nearest_free_times", "other_free_spaces", "problem_out", "public_titles", "quota_usage", "refusal",
    "require_staff", "search_instead", "search_spaces", "set_status", "space_for_booking", "space_rules", "to_utc", "update_space",
    "Elsewhere", "last_booked_group", "same_group_elsewhere",
]
