"""Append new messages with their Finnish and Swedish translations to the catalogues, then compile.

    .venv/bin/python scripts/po_add.py entries.json

entries.json is a list of {"msgid": ..., "fi": ..., "sv": ...} or, for plurals,
{"msgid": ..., "msgid_plural": ..., "fi": [one, many], "sv": [one, many]}.
Messages already in a catalogue are left as they are (their translation is not changed); new ones
are appended at the end of messages.pot, fi and sv, so that parallel branches merge without
conflicts. `pybabel extract` + `update` later puts the source references right.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = ROOT / "translations"


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def known(path: Path) -> set[str]:
    with path.open("rb") as f:
        catalog = read_po(f)
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def block(entry: dict, lang: str | None) -> str:
    lines = [f"msgid {quote(entry['msgid'])}"]
    if "msgid_plural" in entry:
        lines.append(f"msgid_plural {quote(entry['msgid_plural'])}")
        forms = entry[lang] if lang else ["", ""]
        lines += [f"msgstr[{i}] {quote(form)}" for i, form in enumerate(forms)]
    else:
        lines.append(f"msgstr {quote(entry[lang] if lang else '')}")
    return "\n" + "\n".join(lines) + "\n"


def main(path: str) -> int:
    entries = json.loads(Path(path).read_text(encoding="utf-8"))
    for entry in entries:
        for lang in ("fi", "sv"):
            value = entry.get(lang)
            if not value or (isinstance(value, list) and not all(value)):
                print(f"missing {lang} translation for {entry['msgid']!r}", file=sys.stderr)
                return 2
    targets = {None: CATALOGUES / "messages.pot"} | {
        lang: CATALOGUES / lang / "LC_MESSAGES" / "messages.po" for lang in ("fi", "sv")}
    for lang, target in targets.items():
        have = known(target)
        added = [block(e, lang) for e in entries if e["msgid"] not in have]
        if added:
            with target.open("a", encoding="utf-8") as f:
                f.write("".join(added))
        print(f"{target.relative_to(ROOT)}: {len(added)} added")
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "-d", str(CATALOGUES)], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
