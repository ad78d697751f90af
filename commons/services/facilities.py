"""Facilities and their staff (administrators): creating a facility, assigning and removing staff,
reading one facility, and the lists of them."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from commons import audit
from commons.auth import is_staff_of
from commons.codes import Said
from commons.db import write_transaction
from commons.errors import Forbidden, Invalid, NotFound
from commons.extensions import db
from commons.models import Facility, FacilityStaff, User
from commons.services.accounts import find_user
from commons.services.common import admin_only, refuse_bidi_controls


def facility_by_name(name: str) -> Facility | None:
    """The facility of that name, whatever its case (names are unique that way)."""
    return db.session.execute(
        select(Facility).where(func.lower(Facility.name) == name.strip().lower())
    ).scalar_one_or_none()


@write_transaction
def create_facility(actor: User, name: str, district: str, address: str, phone: str | None = None) -> Facility:
    admin_only(actor)
    refuse_bidi_controls(name=name, district=district, address=address)
    if facility_by_name(name):
        raise Invalid(reason="facility_name_taken", fields={"name": Said("facility_name_taken")})
    facility = Facility(name=name, district=district, address=address, phone=phone)
    db.session.add(facility)
    db.session.flush()
    audit.record(actor, "facility.create", facility.id, facility_id=facility.id)
    return facility


@write_transaction
def set_default_language(actor: User, facility_id: int, language: str, languages: tuple[str, ...]) -> Facility:
    """The language of the facility's noticeboard (its printed week): its staff or an administrator."""
    facility = get_facility(facility_id)
    if not is_staff_of(actor, facility.id):
        raise Forbidden(reason="staff_only")
    if language not in languages:
        params = {"language": language[:20]}
        raise Invalid(reason="language_unknown", params=params, fields={"language": Said("language_unknown", params)})
    facility.default_language = language
    return facility


def get_facility(facility_id: int) -> Facility:
    facility = db.session.get(Facility, facility_id)
    if facility is None:
        raise NotFound(reason="facility_not_found", params={"facility_id": facility_id})
    return facility


@write_transaction
def add_staff(actor: User, facility_id: int, email: str) -> FacilityStaff:
    admin_only(actor)
    facility = get_facility(facility_id)
    user = find_user(email)
    if user is None:
        raise Invalid(reason="staff_no_account", fields={"email": Said("staff_no_account")})
    old_role = user.role
    if user.role not in ("staff", "admin"):
        user.role = "staff"
    row = db.session.execute(
        select(FacilityStaff).where(FacilityStaff.facility_id == facility.id, FacilityStaff.user_id == user.id)
    ).scalar_one_or_none()
    if row is None:
        row = FacilityStaff(facility_id=facility.id, user_id=user.id)
        db.session.add(row)
        db.session.flush()
        audit.record(actor, "staff.assign", facility.id, facility_id=facility.id, subject_id=user.id,
                     details={"role_from": old_role, "role_to": user.role})
    return row


@write_transaction
def remove_staff(actor: User, facility_id: int, user_id: int) -> None:
    admin_only(actor)
    row = db.session.execute(
        select(FacilityStaff).where(FacilityStaff.facility_id == facility_id, FacilityStaff.user_id == user_id)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(reason="not_staff_of_facility")
    db.session.delete(row)
    audit.record(actor, "staff.remove", facility_id, facility_id=facility_id, subject_id=user_id)


def list_facilities() -> list[Facility]:
    """Every facility, by name (the API's list)."""
    return list(db.session.execute(select(Facility).order_by(Facility.name)).scalars())


def list_facilities_with_staff() -> list[Facility]:
    """Facilities by name, their staff (and the staff's users) loaded with them: three queries."""
    return list(
        db.session.execute(
            select(Facility)
            .options(selectinload(Facility.staff).selectinload(FacilityStaff.user))
            .order_by(Facility.name)
        ).scalars()
    )
