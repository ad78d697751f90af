"""The privacy notice /privacy: in three languages, with the real retention settings and the contact,
linked from every page's footer, from sign-up and from the account page."""
from __future__ import annotations

import re

import pytest

from commons.config import from_environment
from tests.conftest import PASSWORD

PHRASES = {
    "fi": ("Tietosuojaseloste", "rekisterinpitäjä", "julkinen tehtävä", "suostumuksesi", "Lataa tietoni", "tietosuojavaltuutetulle"),
    "sv": ("Dataskyddsbeskrivning", "Personuppgiftsansvarig", "allmänt intresse", "ditt samtycke", "Ladda ner mina uppgifter", "dataombudsmannen"),
    "en": ("Privacy notice", "controller", "public task", "your consent", "Download my data", "Data Protection Ombudsman"),
}


def text(r) -> str:
    return r.get_data(as_text=True)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_the_notice_in_each_language(app, client, lang, monkeypatch):
    monkeypatch.setitem(app.config, "RETENTION_BOOKER_DAYS", 401)
    monkeypatch.setitem(app.config, "RETENTION_MAIL_DAYS", 93)
    monkeypatch.setitem(app.config, "AUDIT_RETENTION_DAYS", 731)
    monkeypatch.setitem(app.config, "PRIVACY_CONTACT", "tietosuoja@hel.example")
    r = client.get("/privacy", headers={"Accept-Language": lang})
    assert r.status_code == 200
    page = text(r)
    assert f'<html lang="{lang}">' in page
    for phrase in PHRASES[lang]:
        assert phrase in page, (lang, phrase)
    body = re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1])
    for days in ("401", "93", "731"):  # the retention settings, as configured
        assert re.search(rf"\b{days}\b", body), days
    assert 'href="mailto:tietosuoja@hel.example"' in page
    # everything that is stored is named (the volunteer's date of birth and guardian's consent too)
    if lang == "en":
        for item in ("date of birth", "guardian", "sign-ups", "calendar feed links", "API tokens", "e-mails", "audit log", "Server logs"):
            assert item in body, item


def test_contact_defaults_to_the_first_administrator(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "PRIVACY_CONTACT", "")
    assert "mailto:" not in text(client.get("/privacy"))
    assert "the staff of any facility" in text(client.get("/privacy"))
    make_user(role="admin", email="first.admin@example.fi", name="Aino")
    make_user(role="admin", email="second.admin@example.fi", name="Bertta")
    page = text(client.get("/privacy"))
    assert 'href="mailto:first.admin@example.fi"' in page and "second.admin" not in page
    monkeypatch.setitem(app.config, "PRIVACY_CONTACT", "The city's registry office, PO Box 1, 00099 City")
    page = text(client.get("/privacy"))
    assert "registry office, PO Box 1" in page and "first.admin" not in page


def test_configuration_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.delenv("PRIVACY_CONTACT", raising=False)
    monkeypatch.delenv("AUDIT_RETENTION_DAYS", raising=False)
    cfg = from_environment(str(tmp_path))
    assert cfg["PRIVACY_CONTACT"] == "" and cfg["AUDIT_RETENTION_DAYS"] == 730
    monkeypatch.setenv("PRIVACY_CONTACT", "dpo@hel.example")
    monkeypatch.setenv("AUDIT_RETENTION_DAYS", "400")
    cfg = from_environment(str(tmp_path))
    assert cfg["PRIVACY_CONTACT"] == "dpo@hel.example" and cfg["AUDIT_RETENTION_DAYS"] == 400


def test_linked_from_every_page_footer_sign_up_and_account(app, client, make_user):
    for path in ("/", "/login", "/signup", "/spaces", "/activities", "/privacy", "/no-such-page"):
        footer = text(client.get(path)).split("<footer>", 1)[1]
        assert 'href="/privacy"' in footer, path
    assert 'href="/privacy"' in text(client.get("/signup")).split("<main", 1)[1].split("<footer>")[0]  # in the form, not only the footer
    make_user(email="sari@example.fi")
    assert client.post("/login", data={"email": "sari@example.fi", "password": PASSWORD}).status_code == 302
    main = text(client.get("/account")).split("<main", 1)[1].split("<footer>")[0]
    assert 'href="/privacy"' in main
    page = text(client.get("/privacy"))
    assert 'href="/account"' in page and 'href="/volunteering/profile"' in page  # where to use the rights
