"""A refused booking or move: the rules' problems as the API shows them (times only, never who), a
rule broken answered 422 with `violations`, a time taken 409 with `conflicts`."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from commons.codes import english, jsonable
from commons.errors import ApiError, Conflict, RuleViolation
from spaces import rules


def problem_out(p: rules.Problem, tz: ZoneInfo) -> dict:
    """A problem as the API shows it: time only, never who."""
    out = {
        "start": (p.start or p.occurrence.start).astimezone(tz).isoformat(),
        "end": (p.end or p.occurrence.end).astimezone(tz).isoformat(),
        "reason": english(p.code, p.params),
        "code": p.code,
        "params": jsonable(p.params),
    }
    if p.space_id is not None:
        out["space_id"] = p.space_id
    if p.start is not None:
        out["occurrence_start"] = p.occurrence.start.astimezone(tz).isoformat()
        out["occurrence_end"] = p.occurrence.end.astimezone(tz).isoformat()
    return out


def refusal(problems: list[rules.Problem], tz: ZoneInfo, series: bool) -> ApiError:
    conflicts = [problem_out(p, tz) for p in problems if p.kind == "conflict"]
    violations = [problem_out(p, tz) for p in problems if p.kind == "rule"]
    first = (violations or conflicts)[0]
    params = {"series": series, "count": len(problems), "first_code": first["code"], "first": first["params"]}
    if violations:
        return RuleViolation(reason="booking_refused", params=params, conflicts=conflicts,
                             extra={"violations": violations})
    return Conflict(reason="booking_not_free", params=params, conflicts=conflicts)
