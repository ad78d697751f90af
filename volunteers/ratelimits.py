"""The fill plan's place in the organiser's invitation limit (commons.ratelimits): applying a plan sends
one invitation per assignment, and each counts, as one POST /shifts/{id}/invite does (else a plan
would be the way round the limit). A plan larger than what is left is refused whole."""
from __future__ import annotations

from flask import request

from commons.ratelimits import invitations_per_organiser
from volunteers.forms import FillPlanApplyForm
from volunteers.schemas import MAX_ASSIGNMENTS


def plan_size() -> int:
    """How many invitations the request sends, counted from it as sent (the API's `assignments`
    list, the page's "shift:volunteer,..." field); at least 1, at most MAX_ASSIGNMENTS."""
    if request.is_json:
        body = request.get_json(silent=True)
        items = body.get("assignments") if isinstance(body, dict) else None
        n = len(items) if isinstance(items, list) else 0
    else:
        n = len(FillPlanApplyForm.parse_pairs(request.form.get("assignments", "")))
    return max(1, min(n, MAX_ASSIGNMENTS))


invite_per_fill_plan = invitations_per_organiser(cost=plan_size)


# Certificates of hours: a lookup by code answers whether the code exists, so lookups that find
# nothing are counted per address (the codes themselves are 128 random bits).
from commons.extensions import limiter  # noqa: E402

certificate_lookups_per_ip = limiter.shared_limit(
    "30 per hour", scope="certificate-lookups", deduct_when=lambda response: response.status_code == 404,
)
