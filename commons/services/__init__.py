"""Use cases for accounts, groups and facilities, one module per use case; callers use
`from commons import services` and `services.name` (the public names are re-exported here).

- common: the administrator check, the refusal of bidirectional controls in names;
- accounts: finding an account, signing up, signing in and out, one's own name, address,
  password and language;
- groups: registering, verifying, representatives (adding one, leaving), the lists of groups;
- facilities: facilities and their staff;
- account_links: links mailed to one's address (a forgotten password, a verified address);
- provisioning: the command line's accounts and API tokens;
- personal_data: the export and the erasure, with the lists where the other packages register theirs
  (PERSONAL_DATA_EXPORTERS, PERSONAL_DATA_ERASERS).

The only place (with the other packages' services) that commits: each public function that writes
is one transaction (commons.db.write_transaction). Refusals are commons.errors with a `reason` code
and `params`, whose words are in commons.messages.
"""
from __future__ import annotations

from commons.services.accounts import (KEPT_SIGN_INS, authenticate, change_password, end_sessions, end_sign_in,
                                       find_user, first_admin_email, oidc_account, remember_language, set_language, sign_up, start_sign_in,
                                       update_profile)
from commons.services.account_links import (ask_password_reset, require_verified, resend_verification,
                                             reset_link_works, reset_password, verify_email,
                                             verify_link_address)
from commons.services.common import admin_only, refuse_bidi_controls
from commons.services.facilities import (add_staff, create_facility, facility_by_name, get_facility, list_facilities,
                                         list_facilities_with_staff, remove_staff, set_default_language)
from commons.services.groups import (add_representative, get_group, group_and_membership, group_named_like,
                                     group_represented_by, groups_for_review, groups_of, leave_group, list_groups,
                                     may_leave, name_taken, register_group, representatives, verify_group)
from commons.services.personal_data import (PERSONAL_DATA_ERASERS, PERSONAL_DATA_EXPORTERS, erase_account,
                                            export_personal_data)
from commons.services.provisioning import create_user, issue_token

__all__ = [
    "KEPT_SIGN_INS", "PERSONAL_DATA_ERASERS", "PERSONAL_DATA_EXPORTERS",
    "add_representative", "ask_password_reset", "require_verified", "resend_verification", "reset_link_works",
    "reset_password", "verify_email", "verify_link_address", "add_staff", "admin_only", "authenticate", "change_password", "create_facility",
    "create_user", "end_sessions", "end_sign_in", "erase_account", "export_personal_data", "facility_by_name",
    "find_user", "first_admin_email", "get_facility", "get_group", "group_and_membership", "group_named_like",
    "group_represented_by", "groups_for_review", "groups_of", "issue_token", "leave_group", "list_facilities",
    "list_facilities_with_staff", "list_groups", "set_default_language",
    "may_leave", "oidc_account", "name_taken", "refuse_bidi_controls", "register_group", "remember_language", "remove_staff", "representatives", "set_language",
    "sign_up", "start_sign_in", "update_profile", "verify_group",
]
