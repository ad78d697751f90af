"""The rounds' pages with the test client: the list and a round's page, the application form (what was
typed stays on an error), adding a wish, the staff's page (allocate, lock, move, remove, add by hand),
publishing after the confirmation step, and the applicant's result with its reasons."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from commons.extensions import db
from rounds.models import Round
from tests.conftest import PASSWORD, next_weekday


def _sign_in(app, email):
    c = app.test_client()
    assert c.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return c


def test_round_pages_from_application_to_result(app, make_facility, make_space, make_group, make_user):
    f = make_facility()
    hall = make_space(facility_id=f, name="Sali", hours={1: [("16:00", "21:00")]})
    staff = make_user("staff", facilities=[f], email="staff@example.fi")
    g = make_group(name="Kuoro")
    make_user("member", groups=[g], email="rep@example.fi")
    start = next_weekday(0, weeks_ahead=2)
    now = datetime.now(timezone.utc)
    rid = staff.post("/rounds", {"name": "Syksy", "space_ids": [hall], "season_start": str(start), "season_end": str(start + timedelta(days=69)),
                                 "applications_open": (now - timedelta(hours=1)).isoformat(),
                                 "applications_close": (now + timedelta(hours=1)).isoformat()}).get_json()["id"]
    anon = app.test_client()
    assert "Syksy" in anon.get("/rounds").get_data(as_text=True)
    assert anon.get(f"/rounds/{rid}").status_code == 200
    rep = _sign_in(app, "rep@example.fi")
    form = {"group_id": str(g), "purpose": "music", "age_groups": ["children_7_12"], "attendees": "12", "slots_per_week": "1",
            "minutes": "45", "weekday_1": "1", "start_1": "17:00", "end_1": "21:00", "weekday_2": "", "start_2": "", "end_2": "",
            "space_1": str(hall), "space_2": "", "space_3": ""}
    bad = rep.post(f"/rounds/{rid}/apply", data={**form, "attendees": "0"})
    assert bad.status_code == 422 and 'value="0"' in bad.get_data(as_text=True)  # what was typed stays
    ok = rep.post(f"/rounds/{rid}/apply", data={**form, "minutes": "120"})
    assert ok.status_code == 302, ok.get_data(as_text=True)[:500]
    aid = int(ok.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    more = rep.post(f"/rounds/{rid}/apply?application={aid}", data={**form, "minutes": "60", "weekday_1": "1"})
    assert more.status_code == 302
    assert "Wish 3" in rep.get(f"/rounds/{rid}/apply?application={aid}").get_data(as_text=True)  # two wishes so far
    with app.app_context():
        r = db.session.get(Round, rid)
        r.applications_close = datetime.now(timezone.utc) - timedelta(minutes=1)
        db.session.commit()
    s = _sign_in(app, "staff@example.fi")
    assert rep.get(f"/rounds/{rid}/staff").status_code == 403
    assert s.post(f"/rounds/{rid}/staff/allocate").status_code == 302
    page = s.get(f"/rounds/{rid}/staff").get_data(as_text=True)
    assert "Kuoro" in page and "Allocation by space and weekday" in page
    allocs = staff.get(f"/rounds/{rid}/allocations").get_json()["allocations"]
    assert sorted(a["wish"] for a in allocs) == [0, 1]
    x = next(a["id"] for a in allocs if a["wish"] == 0)
    second = next(a["id"] for a in allocs if a["wish"] == 1)
    assert s.post(f"/rounds/{rid}/staff/allocations/{second}/remove").status_code == 302
    assert s.post(f"/rounds/{rid}/staff/allocations/{x}/lock", data={"locked": "1"}).status_code == 302
    s.post(f"/rounds/{rid}/staff/allocations/{x}/move", data={"application_id": aid, "wish": 0, "space_id": hall, "weekday": 1,
                                                               "start": "18:00", "end": "20:00"})
    assert staff.get(f"/rounds/{rid}/allocations").get_json()["allocations"][0]["start"] == "18:00"
    clash = s.post(f"/rounds/{rid}/staff/allocations", data={"application_id": aid, "wish": 1, "space_id": hall, "weekday": 1,
                                                              "start": "19:00", "end": "20:00"}, follow_redirects=True)
    assert "Another allocation already has this space" in clash.get_data(as_text=True)
    assert "Yes, publish" in s.get(f"/rounds/{rid}/staff/publish").get_data(as_text=True)
    assert s.post(f"/rounds/{rid}/staff/publish").status_code == 302
    result = rep.get(f"/rounds/{rid}/applications/{aid}").get_data(as_text=True)
    assert "18:00–20:00" in result and "Wish 2" in result  # the second wish got no slot, with its reason
    fi = rep.get(f"/rounds/{rid}/applications/{aid}", headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert "Toive 2" in fi


def test_the_navigation_links_to_the_rounds_for_everyone(client):
    for lang, word in (("fi", "Kausivaraukset"), ("sv", None), ("en", "Seasonal rounds")):
        html = client.get("/spaces", headers={"Accept-Language": lang}).get_data(as_text=True)
        nav = html[html.index('class="main-nav"'):html.index("</nav>")]
        assert 'href="/rounds"' in nav
        if word:
            assert word in nav
    current = client.get("/rounds").get_data(as_text=True)
    assert 'href="/rounds" aria-current="page"' in current
