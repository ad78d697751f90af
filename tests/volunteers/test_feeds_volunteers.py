"""A volunteer's personal feeds: my shifts (cancelled as STATUS:CANCELLED, left ones removed,
SEQUENCE from the shift) and open shifts that match me; ETag/Last-Modified/304 like every feed."""
from __future__ import annotations

from urllib.parse import urlsplit

import icalendar

from tests.conftest import local
from tests.volunteers.conftest import tuesday


def feed_links(api) -> dict[str, str]:
    return {link["kind"]: urlsplit(link["url"]).path for link in api.get("/feeds").get_json()}


def events(client, path):
    r = client.get(path)
    assert r.status_code == 200, r.data
    assert r.headers["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(r.data)
    return r, {str(e["UID"]): e for e in cal.walk("VEVENT")}, cal


def test_no_profile_no_volunteer_feeds(make_user):
    v = make_user("volunteer")
    assert not {"volunteer_shifts", "volunteer_matches"} & set(feed_links(v))


def test_my_shifts_feed(world, client):
    a = world.activity()
    s1 = world.shift(a, needed=2)
    s2 = world.shift(a, day=tuesday(2), needed=2)
    s3 = world.shift(a, day=tuesday(3), needed=2)
    v = world.volunteer()
    for s in (s1, s2, s3):
        assert v.post(f"/shifts/{s}/signup").get_json()["status"] == "confirmed"
    links = feed_links(v)
    path = links["volunteer_shifts"]
    r, evs, cal = events(client, path)
    assert cal.walk("VTIMEZONE")
    uids = sorted(evs)
    assert len(uids) == 3 and all(u.startswith("shift-") for u in uids)
    first = next(e for u, e in evs.items() if u.startswith(f"shift-{s1}@"))
    assert int(first["SEQUENCE"]) == 0 and str(first["STATUS"]) == "CONFIRMED"
    assert str(first["SUMMARY"]) == "Language café"
    assert str(first["DTSTART"].params["TZID"]) == "Europe/Helsinki"
    etag = r.headers["ETag"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    # a change: the time moves (SEQUENCE grows), one is cancelled, one I leave
    day = tuesday()
    assert world.organiser.patch(f"/shifts/{s1}", {"start": local(day, "18:30"), "end": local(day, "20:30")}).status_code == 200
    world.organiser.post(f"/shifts/{s2}/cancel")
    v.post(f"/shifts/{s3}/withdraw")
    r2, evs2, _ = events(client, path)
    assert r2.headers["ETag"] != etag
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 200
    moved = next(e for u, e in evs2.items() if u.startswith(f"shift-{s1}@"))
    assert int(moved["SEQUENCE"]) == 1 and moved["DTSTART"].dt.hour == 18 and moved["DTSTART"].dt.minute == 30
    cancelled = next(e for u, e in evs2.items() if u.startswith(f"shift-{s2}@"))
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) == 1
    assert not any(u.startswith(f"shift-{s3}@") for u in evs2)


def test_matches_feed_lists_open_matching_shifts_with_reasons(world, client):
    a = world.activity()
    s1 = world.shift(a, languages=["sv"])
    world.shift(a, day=tuesday(2), start="09:00", end="11:00")  # outside my availability: not a match
    v = world.volunteer()
    path = feed_links(v)["volunteer_matches"]
    r, evs, _ = events(client, path)
    assert list(evs) and all(u.startswith("open-shift-") for u in evs)
    assert any(u.startswith(f"open-shift-{s1}@") for u in evs)
    ev = next(iter(evs.values()))
    assert str(ev["DESCRIPTION"])  # the reasons, as sentences
    assert "Olga" not in r.get_data(as_text=True) and "@example.fi" not in r.get_data(as_text=True)
    # once I sign up it is mine, not an open match any more
    v.post(f"/shifts/{s1}/signup")
    _, evs2, _ = events(client, path)
    assert not any(u.startswith(f"open-shift-{s1}@") for u in evs2)


def test_feed_link_of_an_erased_profile_is_404(world, client):
    v = world.volunteer()
    path = feed_links(v)["volunteer_shifts"]
    assert client.get(path).status_code == 200
    assert v.delete("/me").status_code == 200
    assert client.get(path).status_code == 404
