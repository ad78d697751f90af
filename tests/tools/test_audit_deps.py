"""scripts/audit_deps.py: a pin with a known vulnerability fails the audit, whichever way it was checked."""
from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("audit_deps", ROOT / "scripts" / "audit_deps.py")
audit_deps = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit_deps)


@pytest.fixture
def constraints(tmp_path):
    path = tmp_path / "constraints.txt"
    path.write_text("Flask_Thing==1.0\nother==2.0  # comment\nold==0.9\n", encoding="utf-8")
    return path


def project_json(current: str, vulns: list[dict]):
    def urlopen(url, timeout):
        name = url.rstrip("/").split("/")[-2]
        return io.BytesIO(json.dumps({"info": {"version": current if name != "old" else "1.0"}, "vulnerabilities": vulns}).encode())
    return urlopen


def test_the_constraints_file_pins_every_installed_dependency():
    pinned = audit_deps.pins(ROOT / "constraints.txt")
    for name in ("flask", "sqlalchemy", "werkzeug", "jinja2", "psycopg", "gunicorn", "icalendar", "flask-limiter", "pip-audit"):
        assert name in pinned, name


def test_pip_audit_findings_fail_the_audit(constraints, monkeypatch, capsys):
    monkeypatch.setattr(audit_deps, "pip_audit", lambda c: {"dependencies": [
        {"name": "Flask_Thing", "version": "1.0", "vulns": [{"id": "PYSEC-1", "fix_versions": ["1.1"]}]},
        {"name": "other", "version": "2.0", "vulns": []},
    ]})
    assert audit_deps.main(constraints) == 1
    assert "PYSEC-1" in capsys.readouterr().out


def test_skipped_pins_are_checked_through_the_project_data(constraints, monkeypatch, capsys):
    monkeypatch.setattr(audit_deps, "pip_audit", lambda c: {"dependencies": [
        {"name": n, "skip_reason": "Dependency not found on PyPI"} for n in ("flask-thing", "other", "old")]})
    monkeypatch.setattr(audit_deps.urllib.request, "urlopen", project_json("1.0", [{"id": "GHSA-x", "fixed_in": ["1.1"]}]))
    assert audit_deps.main(constraints) == 1
    out = capsys.readouterr().out
    assert "flask-thing 1.0: GHSA-x" in out          # current release: exact, and vulnerable
    assert "other 2.0 (current 1.0)" in out          # not the current release: named, not passed silently
    assert "old 0.9 (current 1.0)" in out


def test_withdrawn_advisories_and_clean_pins_pass(constraints, monkeypatch, capsys):
    monkeypatch.setattr(audit_deps, "pip_audit", lambda c: {"dependencies": [{"name": "flask-thing", "skip_reason": "x"}]})
    monkeypatch.setattr(audit_deps.urllib.request, "urlopen", project_json("1.0", [{"id": "GHSA-y", "withdrawn": "2026-01-01"}]))
    assert audit_deps.main(constraints) == 0
    assert "No known vulnerabilities" in capsys.readouterr().out
