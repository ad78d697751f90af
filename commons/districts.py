"""Helsinki's districts by their official Finnish and Swedish names, and what one name means.

Helsinki is bilingual: Kallio is Berghäll, Kamppi is Kampen. A district typed in either language (any
case, spaces around it ignored) means the same district everywhere: the space search, volunteers'
matching, groups' and activities' districts, the reports by district. What people and the API saved is
kept as given ("Berghäll" stays "Berghäll"); it is compared through `canonical()`, and in SQL through
commons.db.same_district (one condition, no query per row; this module stays pure for the rules). A name the registry does not know is its own district,
compared case-insensitively as before.

Pages show a known district in the page's language (`display`), and offer districts as a list to
choose from (`choices`): the value sent is the Finnish name, whichever language the page is in.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable

# (Finnish, Swedish): the city's districts (kaupunginosat / stadsdelar) and the names people use of
# its larger areas (peruspiirit / distrikt), as the city writes them.
DISTRICTS: tuple[tuple[str, str], ...] = (
    ("Alppiharju", "Åshöjden"),
    ("Arabianranta", "Arabiastranden"),
    ("Eira", "Eira"),
    ("Etu-Töölö", "Främre Tölö"),
    ("Haaga", "Haga"),
    ("Hermanni", "Hermanstad"),
    ("Herttoniemi", "Hertonäs"),
    ("Itäkeskus", "Östra centrum"),
    ("Jakomäki", "Jakobacka"),
    ("Jätkäsaari", "Busholmen"),
    ("Kaarela", "Kårböle"),
    ("Kaartinkaupunki", "Gardesstaden"),
    ("Kalasatama", "Fiskehamnen"),
    ("Kallio", "Berghäll"),
    ("Kamppi", "Kampen"),
    ("Kannelmäki", "Gamlas"),
    ("Katajanokka", "Skatudden"),
    ("Kluuvi", "Gloet"),
    ("Konala", "Kånala"),
    ("Kontula", "Gårdsbacka"),
    ("Koskela", "Forsby"),
    ("Kruununhaka", "Kronohagen"),
    ("Kulosaari", "Brändö"),
    ("Kumpula", "Gumtäkt"),
    ("Käpylä", "Kottby"),
    ("Laajasalo", "Degerö"),
    ("Lauttasaari", "Drumsö"),
    ("Malmi", "Malm"),
    ("Malminkartano", "Malmgård"),
    ("Maunula", "Månsas"),
    ("Meilahti", "Mejlans"),
    ("Mellunkylä", "Mellungsby"),
    ("Munkkiniemi", "Munksnäs"),
    ("Myllypuro", "Kvarnbäcken"),
    ("Oulunkylä", "Åggelby"),
    ("Pakila", "Baggböle"),
    ("Pasila", "Böle"),
    ("Pitäjänmäki", "Sockenbacka"),
    ("Pukinmäki", "Bocksbacka"),
    ("Puistola", "Parkstad"),
    ("Punavuori", "Rödbergen"),
    ("Ruoholahti", "Gräsviken"),
    ("Ruskeasuo", "Brunakärr"),
    ("Suomenlinna", "Sveaborg"),
    ("Suutarila", "Skomakarböle"),
    ("Sörnäinen", "Sörnäs"),
    ("Taka-Töölö", "Bortre Tölö"),
    ("Tapaninkylä", "Staffansby"),
    ("Tapanila", "Mosabacka"),
    ("Toukola", "Majstad"),
    ("Töölö", "Tölö"),
    ("Ullanlinna", "Ulrikasborg"),
    ("Vallila", "Vallgård"),
    ("Vanhakaupunki", "Gammelstaden"),
    ("Vartiokylä", "Botby"),
    ("Viikki", "Vik"),
    ("Vuosaari", "Nordsjö"),
    ("Östersundom", "Östersundom"),
)

# Districts next to each other (by Finnish name; each pair once, read both ways): for "nothing found
# here, try nearby". Only the districts people book in most; a district not listed has no neighbours.
_NEXT_TO: dict[str, tuple[str, ...]] = {
    "Kallio": ("Sörnäinen", "Alppiharju", "Vallila", "Kruununhaka", "Hermanni"),
    "Kluuvi": ("Kruununhaka", "Kamppi", "Kaartinkaupunki", "Etu-Töölö", "Katajanokka"),
    "Kamppi": ("Punavuori", "Etu-Töölö", "Ruoholahti", "Kaartinkaupunki"),
    "Vallila": ("Alppiharju", "Hermanni", "Toukola", "Pasila", "Kumpula", "Sörnäinen"),
    "Pasila": ("Alppiharju", "Taka-Töölö", "Ruskeasuo", "Käpylä", "Meilahti"),
    "Arabianranta": ("Toukola", "Vanhakaupunki", "Kumpula", "Hermanni", "Viikki"),
    "Kumpula": ("Toukola", "Käpylä", "Koskela"),
    "Kontula": ("Myllypuro", "Mellunkylä", "Vartiokylä", "Itäkeskus", "Malmi", "Jakomäki"),
    "Malmi": ("Pukinmäki", "Tapaninkylä", "Tapanila", "Jakomäki", "Viikki", "Myllypuro"),
    "Herttoniemi": ("Kulosaari", "Laajasalo", "Vartiokylä", "Myllypuro", "Viikki", "Itäkeskus"),
    "Itäkeskus": ("Vartiokylä", "Myllypuro", "Vuosaari", "Mellunkylä"),
    "Vuosaari": ("Vartiokylä", "Mellunkylä", "Östersundom"),
    "Lauttasaari": ("Ruoholahti", "Jätkäsaari", "Munkkiniemi"),
    "Töölö": ("Etu-Töölö", "Taka-Töölö", "Kamppi", "Meilahti", "Pasila"),
    "Munkkiniemi": ("Meilahti", "Haaga", "Pitäjänmäki"),
    "Kannelmäki": ("Kaarela", "Malminkartano", "Haaga", "Konala", "Pakila"),
    "Oulunkylä": ("Käpylä", "Maunula", "Pakila", "Pukinmäki", "Viikki", "Koskela"),
    "Pukinmäki": ("Viikki", "Tapaninkylä"),
    "Kruununhaka": ("Katajanokka", "Sörnäinen"),
    "Sörnäinen": ("Kalasatama", "Hermanni"),
    "Punavuori": ("Eira", "Ullanlinna", "Jätkäsaari"),
}


def _key(name: str) -> str:
    """A name as compared: trimmed, spaces collapsed, case folded, composed (NFC)."""
    return unicodedata.normalize("NFC", " ".join(str(name or "").split())).casefold()


_BY_KEY: dict[str, tuple[str, str]] = {}
for _fi, _sv in DISTRICTS:
    _BY_KEY[_key(_fi)] = (_fi, _sv)
    _BY_KEY.setdefault(_key(_sv), (_fi, _sv))

_NEIGHBOURS: dict[str, list[str]] = {}
for _a, _bs in _NEXT_TO.items():
    for _b in _bs:
        for _x, _y in ((_a, _b), (_b, _a)):
            if _y not in _NEIGHBOURS.setdefault(_x, []):
                _NEIGHBOURS[_x].append(_y)


def known(name: str) -> tuple[str, str] | None:
    """(Finnish, Swedish) of a district by either name, or None when the registry does not know it."""
    return _BY_KEY.get(_key(name))


def canonical(name: str | None) -> str:
    """The key a district is compared by: the same for "Kallio", " berghäll " and "KALLIO"; a name the
    registry does not know is its own key (trimmed and case-folded). "" for no name."""
    k = _key(name or "")
    hit = _BY_KEY.get(k)
    return _key(hit[0]) if hit else k


def same(a: str | None, b: str | None) -> bool:
    """Whether two names mean the same district."""
    return bool(canonical(a)) and canonical(a) == canonical(b)


def finnish(name: str) -> str:
    """The district's Finnish name (what forms send), or the name as given (trimmed) when not known."""
    hit = known(name)
    return hit[0] if hit else " ".join(str(name or "").split())


def display(name: str | None, locale: str = "fi") -> str:
    """The district's name in a language: the Swedish name on Swedish pages, else the Finnish one
    (English uses the Finnish names, as the city's English pages do). Unknown names as given."""
    hit = known(name or "")
    if not hit:
        return name or ""
    return hit[1] if locale == "sv" else hit[0]


def neighbours(name: str) -> list[str]:
    """The Finnish names of the districts next to this one (none when not known)."""
    hit = known(name)
    return list(_NEIGHBOURS.get(hit[0], ())) if hit else []


def distinct(names: Iterable[str]) -> list[str]:
    """One name per district (the Finnish name of a known one; an unknown one as first given), in order."""
    seen: dict[str, str] = {}
    for n in names:
        if n and n.strip() and canonical(n) not in seen:
            seen[canonical(n)] = finnish(n)
    return list(seen.values())


def choices(names: Iterable[str], locale: str = "fi") -> list[tuple[str, str]]:
    """(value, label) pairs for a list to choose a district from: one per district, the value its
    Finnish name, the label in the page's language, in alphabetical order of the label."""
    pairs = [(n, display(n, locale)) for n in distinct(names)]
    return sorted(pairs, key=lambda p: sort_key(p[1], locale))


_SV_ORDER = str.maketrans({"å": "z\u0001", "ä": "z\u0002", "ö": "z\u0003", "æ": "z\u0002", "ø": "z\u0003"})
_FI_ORDER = str.maketrans({"å": "z\u0001", "ä": "z\u0002", "ö": "z\u0003", "w": "v", "æ": "z\u0002", "ø": "z\u0003"})


def sort_key(label: str, locale: str = "fi") -> str:
    """Alphabetical order as Finnish and Swedish write it (Å, Ä, Ö after Z)."""
    k = _key(label)
    return k.translate(_SV_ORDER if locale == "sv" else _FI_ORDER)


def _ascii_lower(name: str) -> str:
    """SQLite's lower(): only A-Z change."""
    return "".join(c.lower() if "A" <= c <= "Z" else c for c in name)


def spellings(name: str) -> set[str]:
    """Every lower-cased spelling of the district `name` means, as SQL's lower(trim(column)) could
    give it on PostgreSQL (Unicode) and on SQLite (ASCII only: written as usual, capitalised or in capitals)."""
    hit = known(name)
    given = " ".join(str(name or "").split())
    out: set[str] = set()
    for n in ({given} | set(hit) if hit else {given}):
        n = unicodedata.normalize("NFC", n)
        out |= {n.lower(), _ascii_lower(n), _ascii_lower(n.capitalize()), _ascii_lower(n.upper())}
    return {s for s in out if s}

