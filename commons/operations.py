"""For the load balancer and Prometheus: `/healthz`, `/readyz`, `/metrics` (API.md "Operations";
docs/operations.md "Health, metrics, request ids"). None is rate limited; none shows personal data.

- `/healthz`: 200 while the process serves; it touches nothing else.
- `/readyz`: `{database, migrations, scheduler}`, each "ok" or what is wrong; 200 when all are ok, else 503.
  One cheap query each: the database answers, its schema is at the code's migration head, and the
  scheduler's heartbeat (commons.scheduler) is recent and it has not said it stopped.
- `/metrics`: Prometheus text (commons.metrics), for the addresses in METRICS_ALLOWED_IPS (addresses or
  networks, as the app sees the client: behind proxies, TRUSTED_PROXIES) or a caller with
  `Authorization: Bearer` METRICS_TOKEN or an administrator's API token; anyone else gets 403.
"""
from __future__ import annotations

import hmac
import ipaddress
import os

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from commons.extensions import db, limiter

bp = Blueprint("operations", __name__)

OK = "ok"


@bp.get("/healthz")
@limiter.exempt
def healthz():
    return jsonify(status=OK)


def migration_heads() -> set[str]:
    """The revisions the code expects (the heads of migrations/), read once per process."""
    heads = current_app.extensions.get("commons_migration_heads")
    if heads is None:
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        from commons import ROOT

        config = Config()
        config.set_main_option("script_location", os.path.join(ROOT, "migrations"))
        heads = current_app.extensions["commons_migration_heads"] = set(ScriptDirectory.from_config(config).get_heads())
    return heads


def readiness() -> dict[str, str]:
    """Each check's "ok" or what is wrong (no personal data, no host names)."""
    from commons.db import utcnow
    from commons.models import SchedulerHeartbeat

    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as err:
        db.session.rollback()
        down = "unknown: the database does not answer"
        return {"database": f"does not answer ({type(err).__name__})", "migrations": down, "scheduler": down}
    out = {"database": OK}
    try:
        current = {row[0] for row in db.session.execute(text("SELECT version_num FROM alembic_version"))}
    except SQLAlchemyError:
        db.session.rollback()
        current = set()
    expected = migration_heads()
    if current == expected:
        out["migrations"] = OK
    elif not current:
        out["migrations"] = "not migrated: run `flask --app commons db upgrade`"
    else:
        out["migrations"] = f"the database is at {', '.join(sorted(current))}; this code needs {', '.join(sorted(expected))}"
    try:
        row = db.session.get(SchedulerHeartbeat, 1)
    except SQLAlchemyError:
        db.session.rollback()
        row = None
        out["scheduler"] = "unknown: no heartbeat table (migrate the database)"
    else:
        limit = float(current_app.config["SCHEDULER_HEARTBEAT_MAX_AGE"])
        if row is None:
            out["scheduler"] = "no heartbeat: the scheduler has never run (`flask --app commons scheduler`)"
        elif row.stopped_at is not None:
            out["scheduler"] = f"stopped at {row.stopped_at:%Y-%m-%dT%H:%M:%SZ}"
        else:
            age = (utcnow() - row.beat_at).total_seconds()
            out["scheduler"] = OK if age <= limit else f"no heartbeat for {age:.0f} s (at most {limit:.0f} s)"
    db.session.rollback()  # end the read
    return out


@bp.get("/readyz")
@limiter.exempt
def readyz():
    checks = readiness()
    ready = all(value == OK for value in checks.values())
    response = jsonify(checks)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def _address_allowed(address: str | None) -> bool:
    allowed = current_app.config.get("METRICS_ALLOWED_IPS") or []
    if not address or not allowed:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in allowed:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def may_read_metrics() -> bool:
    if _address_allowed(request.remote_addr):
        return True
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return False
    given = header[7:].strip()
    token = current_app.config.get("METRICS_TOKEN")
    if token and hmac.compare_digest(given.encode(), token.encode()):
        return True
    from commons.auth import current_actor
    from commons.errors import ApiError

    try:
        actor = current_actor()  # a personal API token (commons.auth): an administrator's may read
    except ApiError:  # not a valid token (counted against the address, as on the API)
        return False
    return actor is not None and actor.is_admin


@bp.get("/metrics")
@limiter.exempt
def metrics():
    if not may_read_metrics():
        return Response("Forbidden: /metrics is for the addresses in METRICS_ALLOWED_IPS or a token.\n", 403,
                        mimetype="text/plain")
    from commons.metrics import CONTENT_TYPE, exposition

    return Response(exposition(), 200, content_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})
