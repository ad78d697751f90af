"""The feeds' per-process cache (calendars/cache.py): an unchanged feed is never built twice, a 304
never builds it, and every change (by this process or by another one, found through the revision
read from the database on each request) is seen at once."""
from __future__ import annotations

import os
import subprocess
import textwrap

import pytest

from calendars import services
from calendars.cache import FeedCache
from commons.extensions import db
from tests.calendars.conftest import ROOT, book
from tests.support.queries import count_queries
from tests.conftest import local, next_weekday
from tests.support import clock


@pytest.fixture
def builds(monkeypatch):
    """How many times each feed was really built."""
    counts = {"space": 0, "group": 0}
    space_build, group_build = services.build_space_feed, services.build_group_feed

    def space(*a, **kw):
        counts["space"] += 1
        return space_build(*a, **kw)

    def group(*a, **kw):
        counts["group"] += 1
        return group_build(*a, **kw)

    monkeypatch.setattr(services, "build_space_feed", space)
    monkeypatch.setattr(services, "build_group_feed", group)
    return counts


def test_an_unchanged_feed_is_built_once_and_a_304_builds_nothing(app, world, client, builds):
    space, group, rep, staff, _ = world
    day = next_weekday(1)
    book(rep, space, group, local(day, "10:00"), local(day, "11:00"), public_title=True, title="Choir")
    url = f"/calendars/spaces/{space}.ics"
    first = client.get(url)
    assert first.status_code == 200 and b"Choir" in first.data and builds["space"] == 1
    with count_queries(app, transactions=False) as seen:
        again = client.get(url)
        not_modified = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert not_modified.status_code == 304 and not_modified.data == b""
    assert builds["space"] == 1
    assert len(seen) == 2  # one query each: the revisions of the space's calendar and of the places


def test_a_change_is_seen_at_once(world, client, builds):
    space, group, rep, staff, _ = world
    day = next_weekday(1)
    url = f"/calendars/spaces/{space}.ics"
    first = client.get(url)
    booked = book(rep, space, group, local(day, "10:00"), local(day, "11:00"), public_title=True, title="Choir")
    second = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and b"Choir" in second.data and builds["space"] == 2
    assert rep.post(f"/bookings/{booked['id']}/cancel").status_code == 200
    third = client.get(url, headers={"If-None-Match": second.headers["ETag"]})
    assert third.status_code == 200 and b"Choir" not in third.data and builds["space"] == 3


def test_each_language_is_its_own_copy(world, client, builds):
    space, group, rep, staff, _ = world
    day = next_weekday(1)
    book(rep, space, group, local(day, "10:00"), local(day, "11:00"))  # a private title: "Reserved" in each language
    fi = client.get(f"/calendars/spaces/{space}.ics?lang=fi").data
    sv = client.get(f"/calendars/spaces/{space}.ics?lang=sv").data
    assert fi != sv and builds["space"] == 2
    assert client.get(f"/calendars/spaces/{space}.ics?lang=fi").data == fi and builds["space"] == 2


def test_a_facility_renamed_changes_every_feed_of_its_spaces(app, world, client, builds):
    from commons.models import Facility

    space, group, rep, staff, facility = world
    day = next_weekday(1)
    book(rep, space, group, local(day, "10:00"), local(day, "11:00"))
    before = client.get(f"/calendars/spaces/{space}.ics").data
    with app.app_context():
        db.session.get(Facility, facility).name = "Renamed Library"
        db.session.commit()
    after = client.get(f"/calendars/spaces/{space}.ics").data
    assert b"Renamed Library" in after and b"Renamed Library" not in before


def test_a_change_made_by_another_process_is_seen(app, world, client, builds, database_url):
    """Another process (here a separate Python running the app against the same database) adds a
    closure; this process's cached copy is not served again: the revision comes from the database."""
    space, group, rep, staff, _ = world
    url = f"/calendars/spaces/{space}.ics"
    first = client.get(url)
    assert b"Painting" not in first.data and client.get(url).data == first.data and builds["space"] == 1
    day = next_weekday(2)
    script = textwrap.dedent(f"""
        from datetime import datetime
        from zoneinfo import ZoneInfo
        from commons import create_app
        from commons.extensions import db
        from spaces.models import Closure
        app = create_app({{"SQLALCHEMY_DATABASE_URI": {database_url!r}, "SECRET_KEY": "other"}})
        tz = ZoneInfo("Europe/Helsinki")
        with app.app_context():
            db.session.add(Closure(space_id={space}, reason="Painting",
                                   start_at=datetime({day.year}, {day.month}, {day.day}, 8, tzinfo=tz),
                                   end_at=datetime({day.year}, {day.month}, {day.day}, 12, tzinfo=tz)))
            db.session.commit()
    """)
    env = dict(os.environ, COMMONS_INSTANCE=app.instance_path)
    done = subprocess.run([*clock.python_command(), "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    second = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and b"Painting" in second.data and builds["space"] == 2


def test_group_feeds_are_cached_and_follow_their_bookings(world, client, builds):
    space, group, rep, staff, _ = world
    (link,) = rep.get("/feeds").get_json()
    url = link["url"].split("commons.test", 1)[1]
    first = client.get(url)
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert builds["group"] == 1
    day = next_weekday(3)
    book(rep, space, group, local(day, "10:00"), local(day, "11:00"), title="Secret planning")
    second = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and b"Secret planning" in second.data and builds["group"] == 2
    # a replaced link answers 404 at once, cached copy or not
    assert rep.post("/feeds/rotate", {"url": link["url"]}).status_code == 200
    assert client.get(url).status_code == 404


def test_without_the_cache_every_request_builds(app, world, client, builds):
    space, *_ = world
    saved = app.config["FEED_CACHE_BYTES"]
    app.config["FEED_CACHE_BYTES"] = 0
    try:
        client.get(f"/calendars/spaces/{space}.ics")
        client.get(f"/calendars/spaces/{space}.ics")
    finally:
        app.config["FEED_CACHE_BYTES"] = saved
    assert builds["space"] == 2


def test_the_cache_keeps_at_most_its_bytes_least_recently_used_out_first():
    cache = FeedCache(max_bytes=100)
    cache.put("a", "A", 40)
    cache.put("b", "B", 40)
    assert cache.get("a") == "A"  # a is now the most recently used
    cache.put("c", "C", 40)
    assert cache.get("b") is None and cache.get("a") == "A" and cache.get("c") == "C"
    cache.put("huge", "H", 101)  # larger than the whole cache: not kept
    assert cache.get("huge") is None and cache.get("a") == "A"
