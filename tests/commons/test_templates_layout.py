"""Templates live in one folder per package (templates/commons, templates/spaces, templates/calendars,
templates/volunteers), besides the shared base.html, and every template a view renders exists."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {"commons", "spaces", "calendars", "volunteers"}


def test_one_template_folder_per_package():
    stray = [str(p.relative_to(ROOT / "templates")) for p in (ROOT / "templates").rglob("*") if p.is_file()
             and p.relative_to(ROOT / "templates").parts[0] not in PACKAGES and p.name != "base.html"]
    assert not stray, f"templates outside a package folder: {stray}"


def test_every_rendered_template_exists():
    names = set()
    for package in PACKAGES:
        for source in (ROOT / package).rglob("*.py"):
            names |= set(re.findall(r"render_template\(\s*[\"']([^\"']+)[\"']", source.read_text(encoding="utf-8")))
    assert len(names) > 20
    missing = [n for n in names if not (ROOT / "templates" / n).exists()]
    assert not missing, missing
    assert all(n.split("/")[0] in PACKAGES for n in names), names
