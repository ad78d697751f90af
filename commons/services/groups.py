"""Groups: registering one (no look-alike of another's name), verifying it (administrators), adding
representatives (the person added is told, and may leave), leaving a group, reading a group with
whether someone represents it, and the lists of groups."""
from __future__ import annotations

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import selectinload

from commons import audit, notices
from commons.auth import is_representative
from commons.codes import Said
from commons.db import utcnow, write_transaction
from commons.errors import Forbidden, Invalid, NotFound
from commons.extensions import db
from commons.models import Group, GroupMember, User
from commons.services.accounts import find_user
from commons.services.common import admin_only, refuse_bidi_controls
from commons.text import name_digests


def group_named_like(name: str) -> Group | None:
    """The group whose name looks the same as `name` (commons.text.name_key: case, Unicode look-alikes,
    invisible characters), if any."""
    small, caps = name_digests(name)
    return db.session.execute(
        select(Group).where(or_(Group.name_key == small, Group.name_key_caps == caps)).order_by(Group.id).limit(1)
    ).scalar_one_or_none()


def name_taken() -> Invalid:
    """The refusal of a group name that is (or looks the same as) another group's."""
    return Invalid(code="name_taken", reason="group_name_taken", fields={"name": Said("group_name_taken")})


@write_transaction
def register_group(actor: User, name: str, kind: str, district: str, registration_number: str | None, description: str) -> Group:
    if not actor.email_verified:
        raise Forbidden(reason="email_unverified")  # a group's representative gets its mail: a verified address
    refuse_bidi_controls(name=name, district=district)
    if group_named_like(name) is not None:
        raise name_taken()  # and the unique indexes on groups.name_key(_caps), when two race
    group = Group(
        name=name, kind=kind, district=district, registration_number=registration_number or None, description=description
    )
    db.session.add(group)
    db.session.flush()
    db.session.add(GroupMember(group_id=group.id, user_id=actor.id))
    return group


def get_group(group_id: int, *, for_update: bool = False) -> Group:
    """The group, or 404. `for_update`: its row locked until commit (PostgreSQL; SQLite's write
    transaction is exclusive anyway)."""
    group = db.session.get(Group, group_id, with_for_update=for_update or None)
    if group is None:
        raise NotFound(reason="group_not_found", params={"group_id": group_id})
    return group


_GROUP_AND_MEMBERSHIP = (
    select(Group, GroupMember.id)
    .outerjoin(GroupMember, (GroupMember.group_id == Group.id) & (GroupMember.user_id == bindparam("user_id")))
    .where(Group.id == bindparam("group_id"))
)


def group_and_membership(user: User, group_id: int) -> tuple[Group, bool]:
    """The group, and whether `user` represents it (commons.auth.is_representative), in one query."""
    row = db.session.execute(_GROUP_AND_MEMBERSHIP, {"user_id": user.id, "group_id": group_id}).first()
    if row is None:
        raise NotFound(reason="group_not_found", params={"group_id": group_id})
    return row[0], row[1] is not None


@write_transaction
def verify_group(actor: User, group_id: int) -> Group:
    admin_only(actor)
    group = get_group(group_id)
    if not group.verified:
        group.verified, group.verified_at = True, utcnow()
        audit.record(actor, "group.verify", group.id, group_id=group.id)
    return group


@write_transaction
def add_representative(actor: User, group_id: int, email: str) -> GroupMember:
    group = get_group(group_id)
    if not (actor.is_admin or is_representative(actor, group.id)):
        raise Forbidden(reason="representatives_only")
    user = find_user(email)
    if user is None:
        raise Invalid(reason="representative_no_account", fields={"email": Said("representative_no_account")})
    if not user.email_verified:
        raise Invalid(reason="representative_unverified", fields={"email": Said("representative_unverified")})
    member = db.session.execute(
        select(GroupMember).where(GroupMember.group_id == group.id, GroupMember.user_id == user.id)
    ).scalar_one_or_none()
    if member is None:
        member = GroupMember(group_id=group.id, user_id=user.id)
        db.session.add(member)
        db.session.flush()
        if not is_representative(actor, group.id):  # an administrator, not one of the group's own
            audit.record(actor, "group.member_add", group.id, group_id=group.id, subject_id=user.id)
        if user.id != actor.id:  # (an administrator adding themselves needs no telling)
            # Nobody asked them: they are told at once, in their language, with the way out (leave_group).
            notices.representative_added(group, user, actor, member.id)
    return member


def group_represented_by(actor: User, group_id: int) -> Group:
    """The group, when `actor` is one of its representatives (what leaving it needs); else 403."""
    group, represents = group_and_membership(actor, group_id)
    if not represents:
        raise Forbidden(reason="not_a_representative")
    return group


def may_leave(actor: User, representatives: list[User]) -> bool:
    """Whether `actor` may leave the group these are the representatives of (leave_group's rule)."""
    return len(representatives) > 1 and any(u.id == actor.id for u in representatives)


@write_transaction
def leave_group(actor: User, group_id: int) -> Group:
    """The actor stops representing the group: their own choice, e.g. after someone added them
    (add_representative). The last representative cannot leave (the group would have nobody to
    answer for its bookings): they add another first, or ask an administrator."""
    # The group's row locked: two representatives leaving at once cannot both see the other still there.
    group = get_group(group_id, for_update=True)
    members = db.session.execute(select(GroupMember).where(GroupMember.group_id == group.id)).scalars().all()
    mine = next((m for m in members if m.user_id == actor.id), None)
    if mine is None:
        raise Forbidden(reason="not_a_representative")
    if len(members) == 1:  # (may_leave says the same to the pages)
        raise Invalid(reason="last_representative")
    db.session.delete(mine)
    return group


def groups_for_review() -> list[Group]:
    """All groups, those waiting for verification first (oldest first), then the verified ones by name."""
    return list(
        db.session.execute(
            select(Group)
            .options(selectinload(Group.members).selectinload(GroupMember.user))
            .order_by(Group.verified, Group.created_at, Group.name)
        ).scalars()
    )


def list_groups() -> list[Group]:
    """Every group, by name (the API's list); not the facilities' counter groups, which only hold the
    bookings staff made for a person without a group."""
    return list(db.session.execute(select(Group).where(Group.counter_facility_id.is_(None)).order_by(Group.name)).scalars())


def groups_of(user: User) -> list[Group]:
    """The groups a person represents, by name (one query)."""
    return list(
        db.session.execute(
            select(Group).join(GroupMember).where(GroupMember.user_id == user.id).order_by(func.lower(Group.name))
        ).scalars()
    )


def representatives(group_id: int) -> list[User]:
    """The group's representatives, by name (one query)."""
    return list(
        db.session.execute(
            select(User).join(GroupMember).where(GroupMember.group_id == group_id).order_by(func.lower(User.name), User.id)
        ).scalars()
    )
