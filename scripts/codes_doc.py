"""Write docs/codes.md: every refusal and message code, its params and its words in English, Finnish
and Swedish, said with the example params it is registered with (commons.codes).

    python scripts/codes_doc.py          # rewrite docs/codes.md
    python scripts/codes_doc.py --check  # exit 1 when docs/codes.md is not what the code says

tests/tools/test_codes_doc.py runs the check, so the list cannot fall behind the code.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "codes.md"

PACKAGES = [
    ("commons", "Accounts, groups, facilities, the API's input"),
    ("spaces", "Spaces and bookings"),
    ("calendars", "Calendar files and feeds"),
    ("volunteers", "Volunteering"),
    ("rounds", "Seasonal rounds"),
]

HEADER = """# Refusal codes

[Commons](../README.md) · manuals: [bookings](bookings.md) · [running it](operations.md) · [API](api.md) · [codes](codes.md) · [pages](pages.md) · [calendars](calendars.md) · [reports](reports.md) · [volunteering](volunteering.md) · [performance](performance.md) · [security and privacy](security.md)

Every refusal the rules and services can give is a stable **code** with **params** (see
[the API's errors](api.md)): the API's `reason` and each violation's, conflict's and field's `code`,
with the values in `params`. Pages and e-mails say the code in the reader's language, the API's
`message` in English. This list is generated from the registry (`commons.codes`), each code said with
the example params it is registered with: `python scripts/codes_doc.py` rewrites it, and a test fails
when it is out of date. The words live in each package's `messages.py` and in the catalogues
(`translations/fi`, `translations/sv`).

Codes are stable: a client may rely on them (and on the names of their params); the words may change.
"""


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _params(example: dict) -> str:
    return ", ".join(f"`{k}`" for k in sorted(example)) or "–"


def render() -> str:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from flask_babel import force_locale

    from commons import create_app
    from commons.codes import entries

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True, "SECRET_KEY": "codes-doc " + "x" * 30})
    found = entries()
    out = [HEADER]
    with app.test_request_context("/"):
        for package, title in PACKAGES:
            codes = sorted((e for e in found.values() if e.module.split(".")[0] == package), key=lambda e: e.code)
            out.append(f"\n## {title} (`{package}`)\n")
            out.append("| code | params | en | fi | sv |")
            out.append("|---|---|---|---|---|")
            for e in codes:
                words = []
                for lang in ("en", "fi", "sv"):
                    with force_locale(lang):
                        words.append(_cell(e.render(e.example)))
                out.append(f"| `{e.code}` | {_params(e.example)} | " + " | ".join(words) + " |")
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run python scripts/codes_doc.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
