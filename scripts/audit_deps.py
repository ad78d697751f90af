"""Known vulnerabilities in the pinned dependencies (constraints.txt): pip-audit, with a fallback.

Run by .ci/run (and by hand: `.venv/bin/python scripts/audit_deps.py`). Exit 1 when any pinned
release has a known, unwithdrawn vulnerability; 0 otherwise.

1. pip-audit checks every pin against PyPI's advisory data (the per-release JSON API).
2. Some networks (this workplace's machines among them) reach PyPI's project JSON but not the
   per-release JSON, so pip-audit answers "could not be audited" for every package and would pass
   without having checked anything. For each pin pip-audit skipped, this script reads the project
   JSON: its `vulnerabilities` are the advisories of the project's *current* release, so they are
   exact for a pin that is the current release. A pin behind the current release is reported as
   "not checked exactly" (named, with the newer release), never silently passed as clean.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "constraints.txt"


def normal(name: str) -> str:
    """PEP 503 name: 'Flask_SQLAlchemy' and 'flask-sqlalchemy' are one project."""
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            found[normal(name)] = version.strip()
    return found


def pip_audit(constraints: Path) -> dict | None:
    """pip-audit's JSON report of the pins, or None when pip-audit could not run at all."""
    try:
        run = subprocess.run(
            [sys.executable, "-m", "pip_audit", "-r", str(constraints), "--no-deps", "--disable-pip",
             "-f", "json", "--progress-spinner", "off"],
            capture_output=True, text=True, timeout=600,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        print(f"pip-audit did not run: {err}")
        return None
    try:
        return json.loads(run.stdout)
    except json.JSONDecodeError:
        print("pip-audit gave no report:", (run.stderr or run.stdout).strip()[-2000:])
        return None


def live(vulnerabilities: list[dict]) -> list[dict]:
    return [v for v in vulnerabilities if not v.get("withdrawn")]


def project_check(name: str, version: str) -> tuple[str, list[dict], str]:
    """('exact' | 'behind' | 'unknown', vulnerabilities, current release) from PyPI's project JSON."""
    try:
        with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=30) as answer:
            data = json.load(answer)
    except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as err:
        return "unknown", [], str(err)
    current = data["info"]["version"]
    if current == version:
        return "exact", live(data.get("vulnerabilities") or []), current
    return "behind", [], current


def main(constraints: Path = CONSTRAINTS) -> int:
    pinned = pins(constraints)
    report = pip_audit(constraints) or {"dependencies": [{"name": n, "skip_reason": "pip-audit did not run"} for n in pinned]}
    vulnerable: list[str] = []
    audited, skipped = 0, []
    for dep in report.get("dependencies", []):
        if "skip_reason" in dep:
            skipped.append(normal(dep["name"]))
            continue
        audited += 1
        for v in dep.get("vulns", []):
            vulnerable.append(f"{dep['name']} {dep['version']}: {v['id']} (fixed in {', '.join(v.get('fix_versions') or ['no release yet'])})")
    exact, behind, unknown = 0, [], []
    for name in skipped:
        version = pinned.get(name)
        if version is None:
            continue
        how, vulns, current = project_check(name, version)
        if how == "exact":
            exact += 1
            for v in vulns:
                vulnerable.append(f"{name} {version}: {v['id']} (fixed in {', '.join(v.get('fixed_in') or ['no release yet'])})")
        elif how == "behind":
            behind.append(f"{name} {version} (current {current})")
        else:
            unknown.append(f"{name} {version} ({current})")
    print(f"Pinned dependencies: {len(pinned)}. pip-audit checked {audited}; it could not reach advisory data for {len(skipped)}.")
    if skipped:
        print(f"Checked through PyPI's project data instead: {exact} pinned at the current release (exact).")
    if behind:
        print(f"Not checked exactly ({len(behind)}, pinned behind the current release): " + "; ".join(behind))
    if unknown:
        print(f"Could not be checked ({len(unknown)}): " + "; ".join(unknown))
    if vulnerable:
        print("KNOWN VULNERABILITIES:")
        for line in vulnerable:
            print("  " + line)
        return 1
    print("No known vulnerabilities in the pinned dependencies that could be checked.")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else CONSTRAINTS))
