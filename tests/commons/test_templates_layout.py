"""Templates live in one folder per package (templates/commons, templates/spaces, templates/calendars,
templates/volunteers), besides the shared base.html and the shared macros (templates/_macros), and
every template a view renders or a template imports exists."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {"commons", "spaces", "calendars", "volunteers", "rounds"}
SHARED = {"_macros"}  # macros every package's templates import (the form fields)


def test_one_template_folder_per_package():
    stray = [str(p.relative_to(ROOT / "templates")) for p in (ROOT / "templates").rglob("*") if p.is_file()
             and p.relative_to(ROOT / "templates").parts[0] not in PACKAGES | SHARED and p.name != "base.html"]
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


def test_every_imported_template_exists():
    imported = {}
    for source in (ROOT / "templates").rglob("*.html"):
        for name in re.findall(r"{%-?\s*(?:import|from|include|extends)\s+[\"']([^\"']+)[\"']", source.read_text(encoding="utf-8")):
            imported.setdefault(name, str(source.relative_to(ROOT)))
    assert "_macros/forms.html" in imported and "spaces/_form.html" not in imported
    missing = {n: where for n, where in imported.items() if not (ROOT / "templates" / n).exists()}
    assert not missing, missing
