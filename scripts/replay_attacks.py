"""Replay the trust-boundary attacks (docs/security.md) against a real gunicorn server with the demo data.

    .venv/bin/python scripts/replay_attacks.py . [DATABASE_URL]

A fresh database (SQLite in a temporary folder unless DATABASE_URL is given: an empty PostgreSQL
database), the demo, four gunicorn workers on port 5077 with an access log, then: a new account's
unverified group organising volunteers; what a verified organiser's candidate list shows; the age limit
and day of a shift frozen once someone is invited; a fill plan with sequential volunteer ids; a .ics
import with SECONDLY time-zone rules while another client books; sign-in timing for an unknown address
against a wrong password; a secret feed link sent percent-encoded and mis-cased (the access log); and
look-alike group names. Each line says PASS or FAIL with what was seen; the tests in tests/security keep
each attack as a test, this is the same as a person would try it.
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import requests

REPO = os.path.abspath(sys.argv[1])
PY = os.path.join(REPO, ".venv/bin/python")
work = tempfile.mkdtemp(prefix="replay23-")
DB = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{work}/commons.db"
env = dict(os.environ, LOGIN_RATE_LIMIT="1000 per minute", LOGIN_ACCOUNT_RATE_LIMIT="1000 per minute", DATABASE_URL=DB, COMMONS_INSTANCE=work, SECRET_KEY="replay-secret", PUBLIC_URL="http://127.0.0.1:5077")
HEL = ZoneInfo("Europe/Helsinki")
results = []


def say(ok, what):
    results.append((ok, what))
    print(("PASS " if ok else "FAIL ") + what, flush=True)


def flask(*args):
    out = subprocess.run([PY, "-m", "flask", "--app", "commons", *args], cwd=REPO, env=env, capture_output=True, text=True)
    if out.returncode:
        print(out.stdout, out.stderr)
        raise SystemExit(f"flask {args} failed")
    return out.stdout


flask("db", "upgrade")
flask("demo-data")
tokens = {who: flask("users", "token", f"{who}@commons.localhost").split()[-1] for who in ("rep", "staff", "volunteer", "admin")}
access_log = os.path.join(work, "access.log")
server = subprocess.Popen(
    [PY, "-m", "gunicorn", "-w", "4", "-b", "127.0.0.1:5077", "--access-logfile", access_log, "--error-logfile",
     os.path.join(work, "error.log"), "commons:create_app()"], cwd=REPO, env=env)
URL = "http://127.0.0.1:5077"
for _ in range(240):
    try:
        if requests.get(URL + "/login", timeout=2).status_code == 200:
            break
    except requests.RequestException:
        time.sleep(0.5)


def api(who, method, path, headers=None, **kw):
    return requests.request(method, URL + "/api/v1" + path, headers={"Authorization": f"Bearer {tokens[who]}", **(headers or {})},
                            timeout=60, **kw)


def csrf(session, path):
    html = session.get(URL + path).text
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return m.group(1)


def next_weekday(wd, weeks=1):
    d = date.today() + timedelta(days=1)
    while d.weekday() != wd:
        d += timedelta(days=1)
    return d + timedelta(weeks=weeks - 1)


try:
    # --- 1. a new account, an unverified group: no activities, no candidates ---------------------------
    s = requests.Session()
    r = s.post(URL + "/signup", data={"csrf_token": csrf(s, "/signup"), "role": "member", "name": "Eve Attacker",
                                     "email": "eve@example.org", "password": "correct horse battery", "confirm": "correct horse battery"})
    token = csrf(s, "/account")
    g = s.post(URL + "/api/v1/groups", json={"name": "Eve's Helpers", "kind": "resident_group", "district": "Kallio", "description": "x"},
               headers={"X-CSRFToken": token})
    group_id = g.json().get("id")
    a = s.post(URL + "/api/v1/activities", json={"group_id": group_id, "title": "Homework club", "district": "Kallio"},
               headers={"X-CSRFToken": token})
    say(g.status_code == 201 and a.status_code == 403 and a.json()["error"].get("reason") == "group_not_verified",
        f"1a unverified group's activity refused: group {g.status_code}, activity {a.status_code} {a.json()['error'].get('reason')}")
    # a verified organiser: what a candidate list shows, and the frozen age rule
    groups = api("rep", "GET", "/me").json()["groups"]
    act = api("rep", "POST", "/activities", json={"group_id": groups[0]["id"], "title": "Reading buddies", "district": "Kallio"}).json()["id"]
    day = next_weekday(1, 2)
    start = datetime.combine(day, datetime.min.time()).replace(hour=17, tzinfo=HEL)
    shift = api("rep", "POST", f"/activities/{act}/shifts", json={"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat(),
                                                                  "needed": 2, "min_age": 16}).json()["id"]
    cands = api("rep", "GET", f"/shifts/{shift}/candidates").json()
    texts = " ".join(" ".join(c["reasons"]) for c in cands)
    leaky = re.findall(r"\d{1,2}[.:]\d{2}|hours? (?:a|per) week|spare|recent|shifts? in the last|aged? \d+|years? old", texts, re.I)
    say(bool(cands) and not leaky, f"1b candidates show what the shift needs only ({len(cands)} candidates; personal figures found: {leaky[:3]})")
    if not cands:
        say(False, "1c age limit and day fixed once someone is invited: no candidate to invite")
    else:
        inv = api("rep", "POST", f"/shifts/{shift}/invite", json={"volunteer_id": cands[0]["volunteer_id"]})
        moved = api("rep", "PATCH", f"/shifts/{shift}", json={"min_age": 17})
        other_day = (start + timedelta(days=1))
        moved_day = api("rep", "PATCH", f"/shifts/{shift}", json={"start": other_day.isoformat(), "end": (other_day + timedelta(hours=2)).isoformat()})
        say(inv.status_code in (200, 201) and moved.status_code == 422 and moved_day.status_code == 422,
            f"1c age limit and day fixed once someone is invited: invite {inv.status_code}, min_age {moved.status_code} "
            f"{moved.json()['error'].get('reason')}, day {moved_day.status_code}")
    # --- 2. a fill plan confirms no one -------------------------------------------------------------------
    me_vol = api("volunteer", "GET", "/volunteers/me").json()
    shift2 = api("rep", "POST", f"/activities/{act}/shifts", json={"start": (start + timedelta(hours=3)).isoformat(),
                                                                   "end": (start + timedelta(hours=4)).isoformat(), "needed": 3}).json()["id"]
    applied = api("rep", "POST", "/fill-plan/apply", json={"assignments": [{"shift_id": shift2, "volunteer_id": vid} for vid in range(1, 8)]})
    signups = api("rep", "GET", f"/shifts/{shift2}/signups").json()
    statuses = sorted({x.get("status") for x in signups})
    say(applied.status_code == 200 and "confirmed" not in statuses,
        f"2 fill plan with sequential volunteer ids: {applied.status_code}, sign-up statuses {statuses}, refused "
        f"{sorted({x['reason'] for x in applied.json().get('refused', [])})}")
    # --- 3. a hostile .ics import while another client books -------------------------------------------------
    spaces = requests.get(URL + "/api/v1/spaces").json()
    oodi = [sp for sp in spaces if sp["facility"].startswith("Oodi")][0]["id"]
    kallio = [sp for sp in spaces if sp["facility"].startswith("Kallio")][0]["id"]
    hostile = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//x//EN\r\nBEGIN:VTIMEZONE\r\nTZID:Evil\r\n"
               "BEGIN:STANDARD\r\nDTSTART:19000101T000000\r\nRRULE:FREQ=SECONDLY\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0200\r\nEND:STANDARD\r\n"
               "BEGIN:DAYLIGHT\r\nDTSTART:19000101T000001\r\nRRULE:FREQ=SECONDLY\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0300\r\nEND:DAYLIGHT\r\n"
               "END:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:a@x\r\nDTSTART;TZID=Evil:20270105T100000\r\nDTEND;TZID=Evil:20270105T120000\r\n"
               "SUMMARY:Maintenance\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    out = {}

    def do_import():
        t = time.monotonic()
        out["import"] = api("staff", "POST", f"/spaces/{oodi}/import", data=hostile.encode(), headers={"Content-Type": "text/calendar"})
        out["import_s"] = time.monotonic() - t

    th = threading.Thread(target=do_import)
    th.start()
    time.sleep(0.05)
    bday = next_weekday(2, 3)
    t0 = time.monotonic()
    b = api("rep", "POST", "/bookings", json={"space_id": kallio, "group_id": groups[0]["id"], "title": "Board meeting",
                                             "start": f"{bday}T18:00", "end": f"{bday}T19:00"})
    booking_s = time.monotonic() - t0
    th.join(120)
    imp = out["import"]
    say(imp.status_code == 422 and b.status_code == 201 and booking_s < 1.0,
        f"3 hostile import {imp.status_code} {imp.json()['error'].get('code')}/{imp.json()['error'].get('reason')} in "
        f"{out['import_s']:.2f} s; another client's booking {b.status_code} in {booking_s:.2f} s")
    # --- 4. sign-in timing: unknown address vs wrong password -----------------------------------------------
    def sign_in_time(email):
        sess = requests.Session()
        tok = csrf(sess, "/login")
        t = time.monotonic()
        sess.post(URL + "/login", data={"csrf_token": tok, "email": email, "password": "wrong password 123"})
        return time.monotonic() - t

    known, unknown = [], []
    for i in range(15):  # interleaved, so that the machine's load weighs on both alike
        known.append(sign_in_time("volunteer@commons.localhost"))
        unknown.append(sign_in_time(f"nobody{i}@example.org"))
    mk, mu = statistics.median(known) * 1000, statistics.median(unknown) * 1000
    say(abs(mk - mu) < 0.35 * max(mk, mu), f"4 sign-in: wrong password {mk:.0f} ms, unknown address {mu:.0f} ms (medians of 15, interleaved)")
    # --- 5. secret feed links in the access log -----------------------------------------------------------
    feeds = api("rep", "GET", "/feeds").json()
    secret_url = feeds[0]["url"]
    secret = secret_url.rsplit("/", 1)[1].removesuffix(".ics")
    encoded = secret_url.replace(URL, "").replace("/calendars/feeds/", "/calendars/%66eeds/")
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", 5077, timeout=30)
    conn.putrequest("GET", encoded, skip_accept_encoding=True)  # sent as it is: requests would decode %66
    conn.endheaders()
    raw = conn.getresponse().status
    conn.close()
    answers = [raw, requests.get(URL + secret_url.replace(URL, "").replace("/feeds/", "/FEEDS/")).status_code,
               requests.get(URL + f"/api/v1/me?access_token={tokens['rep']}").status_code]
    time.sleep(1.5)
    log = open(access_log).read()
    say(secret not in log and tokens["rep"] not in log, f"5 feed link sent percent-encoded and mis-cased ({answers}): secret in the access log: {secret in log}")
    # --- 6. look-alike group names ----------------------------------------------------------------------------
    names = ["Kallio Residents\u2019 Association", "K\u0430llio Residents' Association", "Kallio Residents' Association\u202e",
             "KALLIO  residents' association"]
    codes = []
    for n in names:
        r = s.post(URL + "/api/v1/groups", json={"name": n, "kind": "resident_group", "district": "Kallio", "description": "x"},
                   headers={"X-CSRFToken": token})
        codes.append((r.status_code, r.json()["error"]["code"] if r.status_code >= 400 else r.json()))
    say(all(c[0] in (409, 422) for c in codes), f"6 look-alike names: {codes}")
    err = open(os.path.join(work, "error.log")).read()
    say("Traceback" not in err and "WORKER TIMEOUT" not in err, "server log: no traceback, no worker timeout")
finally:
    server.terminate()
    server.wait(30)
print(f"{sum(ok for ok, _ in results)}/{len(results)} passed; work dir {work}")
