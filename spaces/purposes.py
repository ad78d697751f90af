"""The vocabularies of what a booking or a seasonal round's application is for, and for whom: a
purpose and age groups, as stable codes (the API and the data) with their names in each language.
Usage reports and open data count hours by them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

PURPOSES = {
    "sports": _l("Sports and exercise"),
    "music": _l("Music and singing"),
    "arts": _l("Arts and crafts"),
    "dance_theatre": _l("Dance and theatre"),
    "scouting": _l("Scouting and outdoor activities"),
    "youth_work": _l("Youth work"),
    "education": _l("Learning and study groups"),
    "civic": _l("Civic and residents' activities"),
    "social": _l("Social and peer support"),
    "culture": _l("Culture and heritage"),
    "other": _l("Other"),
}

AGE_GROUPS = {
    "children_0_6": _l("Children under 7"),
    "children_7_12": _l("Children 7–12"),
    "youth_13_17": _l("Young people 13–17"),
    "young_adults_18_29": _l("Young adults 18–29"),
    "adults_30_64": _l("Adults 30–64"),
    "seniors_65": _l("Seniors 65 and over"),
}


def purpose_name(code: str | None) -> str:
    return str(PURPOSES[code]) if code in PURPOSES else (code or "")


def age_group_name(code: str) -> str:
    return str(AGE_GROUPS[code]) if code in AGE_GROUPS else code
