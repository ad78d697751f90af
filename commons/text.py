"""Names and titles people choose: what may not be in them, and when two of them look the same.

Pure functions (no database, no request), used by the schemas, the forms, the models and the services.

- Bidirectional control characters (U+202E RIGHT-TO-LEFT OVERRIDE and its kin) reorder how the text
  around them is drawn: "Kallion kuoro\u202eorouk" shows as something else than it is. Names and titles
  refuse them (`has_bidi_control`).
- Look-alike names: "Tenants’ club" (a typographic apostrophe), "Kallion kuorо" (a Cyrillic о) or
  "ＫＡＬＬＩＯＮ" (full-width letters) pass for another group's name. `name_keys` makes them equal: NFKC,
  case folding, the invisible characters left out, then the UTS #39 skeleton (each character replaced
  by the prototype it is confusable with, from Unicode's confusables data in commons.confusables_data).
  Two names look the same when either of their two keys (small letters, capitals) is equal.
"""
from __future__ import annotations

import hashlib
import unicodedata
from functools import lru_cache

#: ALM, LRM, RLM, the embeddings and overrides (LRE, RLE, PDF, LRO, RLO) and the isolates (LRI, RLI, FSI, PDI).
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def has_bidi_control(text: str | None) -> bool:
    return isinstance(text, str) and any(ch in BIDI_CONTROLS for ch in text)


@lru_cache(maxsize=1)
def _prototypes() -> dict[str, str]:
    from commons.confusables_data import TABLE

    table = {}
    for line in TABLE.splitlines():
        source, *target = line.split()
        table[chr(int(source, 16))] = "".join(chr(int(cp, 16)) for cp in target)
    return table


def skeleton(text: str) -> str:
    """UTS #39 section 4: NFD, each character replaced by its prototype, NFD again. Only for comparing
    (two strings are confusable when their skeletons are equal), never for showing."""
    table = _prototypes()
    mapped = "".join(table.get(ch, ch) for ch in unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFD", mapped)


def _invisible(ch: str) -> bool:
    """Default-ignorable characters (UTS #39 leaves them out of the skeleton since Unicode 15.1): the format
    characters (zero-width space and joiners, soft hyphen, bidi controls, ...), the variation selectors, the
    combining grapheme joiner and the Hangul fillers. Python has no Default_Ignorable_Code_Point property:
    this is its bulk (category Cf) and the named rest."""
    cp = ord(ch)
    return (
        unicodedata.category(ch) == "Cf"
        or 0xFE00 <= cp <= 0xFE0F
        or 0xE0100 <= cp <= 0xE01EF
        or 0x180B <= cp <= 0x180F
        or cp in (0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0)
    )


def _plain(text: str) -> str:
    text = "".join(ch for ch in text if not _invisible(ch))
    return " ".join(text.split())  # any run of white space (no-break, ideographic, ...) is one space


def _fold(text: str) -> str:
    return _plain(unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold()))


def _capitals(text: str) -> str:
    return _plain(unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).upper()))


def name_keys(text: str) -> tuple[str, str]:
    """Two keys that are equal for names that look the same, one seen in small letters, one in capitals:
    confusability (UTS #39) depends on the case, and a name can be a look-alike in either.

    - small letters: NFKC and case folded, the invisible characters and extra white space left out, then
      the skeleton, folded again (a skeleton may hold capitals: 0 -> O). Catches "rn" for "m", a Cyrillic
      "а" for "a", "1" for "l";
    - capitals: the same with the name in capitals, and the skeleton as it is. Catches a Greek "Κ" for a
      "K" (whose small "κ" looks like "ĸ", not "k"), and keeps "TILI" and "TILL" apart (I looks like l,
      not L)."""
    return _fold(skeleton(_fold(text))), skeleton(_capitals(text))


def name_digests(text: str) -> tuple[str, str]:
    """`name_keys` as 64 hexadecimal characters each (SHA-256): what the unique indexes store
    (groups.name_key and groups.name_key_caps), whatever the length of the keys."""
    return tuple(hashlib.sha256(key.encode("utf-8")).hexdigest() for key in name_keys(text))  # type: ignore[return-value]
