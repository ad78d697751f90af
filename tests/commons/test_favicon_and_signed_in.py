"""Small things of issue 21 item 16: a favicon (an SVG with a PNG fallback, linked from every page, and
/favicon.ico for the browsers and readers that ask for it without looking), and a "you are signed in"
message after signing in, in the reader's language."""
from __future__ import annotations

import html

import pytest

from tests.conftest import PASSWORD


def test_every_page_links_the_icon_and_favicon_ico_is_there(client):
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    assert '<link rel="icon" href="/static/favicon.png" type="image/png" sizes="32x32">' in page
    r = client.get("/favicon.ico")
    assert r.status_code == 302 and r.headers["Location"].endswith("/static/favicon.ico")
    with client.get("/static/favicon.ico") as icon:
        assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    with client.get("/static/favicon.svg") as svg:
        assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    with client.get("/static/favicon.png") as png:
        assert png.status_code == 200 and png.data[:8] == b"\x89PNG\r\n\x1a\n"

@pytest.mark.parametrize("lang, said", [
    ("fi", "Tervetuloa, Sari! Olet kirjautunut sisään."),
    ("sv", "Välkommen, Sari! Du är inloggad."),
    ("en", "Welcome, Sari! You are signed in."),
])
def test_signing_in_says_so_in_the_readers_language(app, make_user, lang, said):
    make_user(email="sari@example.fi", name="Sari")
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    r = client.post("/login?next=/spaces", data={"email": "sari@example.fi", "password": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"].endswith("/spaces")
    page = html.unescape(client.get("/spaces").get_data(as_text=True))
    assert f'<div role="status" class="flash"><p>{said}</p></div>' in page
    assert said not in html.unescape(client.get("/spaces").get_data(as_text=True))  # once
