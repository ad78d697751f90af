"""Two representatives leaving at once never leave a group with nobody.

The race, played step by step on PostgreSQL (SQLite's write transactions are exclusive, so it
cannot happen there): one transaction has taken the group's lock and removed representative X but
not committed; meanwhile representative Y asks to leave. Y's use case must wait for the group's lock
(seen in pg_stat_activity, not guessed with a sleep), then see that X is gone and refuse
(`last_representative`). Without the lock, Y would count X as still there, leave too, and the group
would have nobody.
"""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import delete, func, select, text

from commons import services
from commons.errors import ApiError
from commons.extensions import db
from commons.models import Group, GroupMember, User


def test_the_last_two_leaving_at_once_leave_one(app, is_postgres, make_user, make_group):
    if not is_postgres:
        pytest.skip("SQLite's write transactions are exclusive: nobody leaves meanwhile")
    group = make_group()
    x, y = make_user("member", groups=[group]), make_user("member", groups=[group])
    outcome: dict = {}

    def y_leaves():
        with app.app_context():
            try:
                services.leave_group(db.session.get(User, y.user_id), group)
                outcome["y"] = "left"
            except ApiError as err:
                outcome["y"] = err.reason
            finally:
                db.session.remove()

    with app.app_context():
        engine = db.engine
        with engine.connect() as other:
            tx = other.begin()
            other.execute(select(Group.id).where(Group.id == group).with_for_update())  # X's leave_group, midway
            other.execute(delete(GroupMember).where(GroupMember.group_id == group, GroupMember.user_id == x.user_id))
            worker = threading.Thread(target=y_leaves)
            worker.start()
            deadline = time.monotonic() + 20
            with engine.connect() as watch:
                while worker.is_alive() and time.monotonic() < deadline:
                    waiting = watch.execute(text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )).scalar_one()
                    watch.rollback()
                    if waiting:
                        break
                    time.sleep(0.01)
            assert worker.is_alive(), f"Y did not wait for X's transaction: {outcome}"
            tx.commit()
        worker.join(timeout=20)
        assert outcome == {"y": "last_representative"}
        left = db.session.execute(select(func.count()).select_from(GroupMember).where(GroupMember.group_id == group)).scalar_one()
        assert left == 1
