"""Use cases for accounts, groups and facilities. The only place (with the other packages'
services) that commits: each public function is one transaction."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import bindparam, delete, func, select

from commons import audit
from commons.auth import is_representative
from commons.db import utcnow, write_transaction
from commons.errors import Forbidden, Invalid, NotFound
from commons.extensions import db
from commons.models import ROLES, ApiToken, Facility, FacilityStaff, Group, GroupMember, SignIn, User

# Packages that keep personal data register how to export and erase it (commons knows none of them).
PERSONAL_DATA_EXPORTERS: list[Callable[[User], dict]] = []
PERSONAL_DATA_ERASERS: list[Callable[[User], None]] = []


def _admin_only(actor: User) -> None:
    if not actor.is_admin:
        raise Forbidden("Only an administrator can do this.")


def find_user(email: str) -> User | None:
    if "\x00" in email:  # no stored address has one (and PostgreSQL text cannot even compare with one)
        return None
    return db.session.execute(select(User).where(User.email == email.strip().lower())).scalar_one_or_none()


def _group_by_name(name: str) -> Group | None:
    return db.session.execute(select(Group).where(func.lower(Group.name) == name.strip().lower())).scalar_one_or_none()


def _facility_by_name(name: str) -> Facility | None:
    return db.session.execute(
        select(Facility).where(func.lower(Facility.name) == name.strip().lower())
    ).scalar_one_or_none()


@write_transaction
def create_user(
    email: str,
    name: str,
    role: str,
    password: str | None = None,
    group: str | None = None,
    facility: str | None = None,
    district: str = "Helsinki",
) -> User:
    """Create (or update) a user; `group` makes them its representative (the group is created,
    verified, if missing); `facility` makes a staff user staff there (created if missing)."""
    if role not in ROLES:
        raise Invalid(f"The role must be one of {', '.join(ROLES)}.", fields={"role": "unknown role"})
    if facility and role not in ("staff", "admin"):
        raise Invalid("Only staff can be attached to a facility.", fields={"facility": "needs role staff"})
    email = email.strip().lower()
    if "@" not in email:
        raise Invalid("Give an e-mail address.", fields={"email": "not an e-mail address"})
    user = find_user(email)
    old_role = user.role if user is not None else None
    if user is None:
        user = User(email=email, name=name.strip(), role=role)
        db.session.add(user)
    else:
        user.name, user.role = name.strip(), role
    if password:
        if len(password) < 8:
            raise Invalid("The password must be at least 8 characters.", fields={"password": "too short"})
        user.set_password(password)
    db.session.flush()
    if role != old_role and (role in ("staff", "admin") or old_role in ("staff", "admin")):
        # the command line gave or took staff or administrator rights: no actor account, role "cli"
        audit.record(None, "user.role", user.id, subject_id=user.id, details={"role_from": old_role, "role_to": role}, role="cli")
    if group:
        g = _group_by_name(group)
        if g is None:
            g = Group(name=group.strip(), kind="association", district=district, verified=True, verified_at=utcnow())
            db.session.add(g)
            db.session.flush()
        if not is_representative(user, g.id):
            db.session.add(GroupMember(group_id=g.id, user_id=user.id))
    if facility:
        f = _facility_by_name(facility)
        if f is None:
            f = Facility(name=facility.strip(), district=district, address="")
            db.session.add(f)
            db.session.flush()
        exists = db.session.execute(
            select(FacilityStaff).where(FacilityStaff.facility_id == f.id, FacilityStaff.user_id == user.id)
        ).first()
        if not exists:
            db.session.add(FacilityStaff(facility_id=f.id, user_id=user.id))
    return user


@write_transaction
def issue_token(email: str) -> str:
    user = find_user(email)
    if user is None:
        raise NotFound(f"No user with the e-mail {email}.")
    token = ApiToken.generate()
    db.session.add(ApiToken(user_id=user.id, token_hash=ApiToken.hash(token)))
    return token


@write_transaction
def register_group(actor: User, name: str, kind: str, district: str, registration_number: str | None, description: str) -> Group:
    if _group_by_name(name):
        raise Invalid("A group with this name is registered already.", fields={"name": "already taken"})
    group = Group(
        name=name, kind=kind, district=district, registration_number=registration_number or None, description=description
    )
    db.session.add(group)
    db.session.flush()
    db.session.add(GroupMember(group_id=group.id, user_id=actor.id))
    return group


def get_group(group_id: int) -> Group:
    group = db.session.get(Group, group_id)
    if group is None:
        raise NotFound(f"There is no group {group_id}.")
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
        raise NotFound(f"There is no group {group_id}.")
    return row[0], row[1] is not None


@write_transaction
def verify_group(actor: User, group_id: int) -> Group:
    _admin_only(actor)
    group = get_group(group_id)
    if not group.verified:
        group.verified, group.verified_at = True, utcnow()
        audit.record(actor, "group.verify", group.id, group_id=group.id)
    return group


@write_transaction
def add_representative(actor: User, group_id: int, email: str) -> GroupMember:
    group = get_group(group_id)
    if not (actor.is_admin or is_representative(actor, group.id)):
        raise Forbidden("Only the group's representatives can add representatives.")
    user = find_user(email)
    if user is None:
        raise Invalid(
            "Nobody has an account with that e-mail yet: ask them to sign up first.",
            fields={"email": "no account with this e-mail"},
        )
    member = db.session.execute(
        select(GroupMember).where(GroupMember.group_id == group.id, GroupMember.user_id == user.id)
    ).scalar_one_or_none()
    if member is None:
        member = GroupMember(group_id=group.id, user_id=user.id)
        db.session.add(member)
        db.session.flush()
        if not is_representative(actor, group.id):  # an administrator, not one of the group's own
            audit.record(actor, "group.member_add", group.id, group_id=group.id, subject_id=user.id)
    return member


@write_transaction
def create_facility(actor: User, name: str, district: str, address: str, phone: str | None = None) -> Facility:
    _admin_only(actor)
    if _facility_by_name(name):
        raise Invalid("A facility with this name exists already.", fields={"name": "already taken"})
    facility = Facility(name=name, district=district, address=address, phone=phone)
    db.session.add(facility)
    db.session.flush()
    audit.record(actor, "facility.create", facility.id, facility_id=facility.id)
    return facility


def get_facility(facility_id: int) -> Facility:
    facility = db.session.get(Facility, facility_id)
    if facility is None:
        raise NotFound(f"There is no facility {facility_id}.")
    return facility


@write_transaction
def add_staff(actor: User, facility_id: int, email: str) -> FacilityStaff:
    _admin_only(actor)
    facility = get_facility(facility_id)
    user = find_user(email)
    if user is None:
        raise Invalid("Nobody has an account with that e-mail.", fields={"email": "no account with this e-mail"})
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
    _admin_only(actor)
    row = db.session.execute(
        select(FacilityStaff).where(FacilityStaff.facility_id == facility_id, FacilityStaff.user_id == user_id)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("That person is not staff of this facility.")
    db.session.delete(row)
    audit.record(actor, "staff.remove", facility_id, facility_id=facility_id, subject_id=user_id)


@write_transaction
def sign_up(email: str, name: str, password: str, role: str = "member") -> User:
    if role not in ("member", "volunteer"):
        raise Invalid("You can sign up as a group representative or a volunteer.", fields={"role": "not allowed"})
    if find_user(email):
        raise Invalid("An account with this e-mail exists already: sign in instead.", fields={"email": "already registered"})
    if len(password) < 8:
        raise Invalid("The password must be at least 8 characters.", fields={"password": "at least 8 characters"})
    user = User(email=email.strip().lower(), name=name.strip(), role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


@write_transaction
def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise Invalid("The current password is not right.", fields={"current_password": "not right"})
    if len(new) < 8:
        raise Invalid("The new password must be at least 8 characters.", fields={"new_password": "at least 8 characters"})
    user.set_password(new)
    user.session_version += 1  # other signed-in browsers are signed out


@write_transaction
def update_profile(user: User, name: str, email: str) -> User:
    """Change one's own name and e-mail address (the address must not be another account's)."""
    name, email = name.strip(), email.strip().lower()
    if not name:
        raise Invalid("Give a name.", fields={"name": "required"})
    if "@" not in email:
        raise Invalid("Give an e-mail address.", fields={"email": "not an e-mail address"})
    other = find_user(email)
    if other is not None and other.id != user.id:
        raise Invalid("Another account has this e-mail address.", fields={"email": "already registered"})
    user.name, user.email = name, email
    return user


@write_transaction
def set_language(user: User, language: str, supported: list[str] | tuple[str, ...]) -> None:
    """Remember the language a signed-in person chose for the pages (used on their next sign-in too)."""
    if language not in supported:
        raise Invalid(f"The language must be one of {', '.join(supported)}.", fields={"language": "unknown language"})
    user.language = language


@write_transaction
def end_sessions(user: User) -> None:
    """Sign out everywhere: every browser's session of the user ends."""
    user.session_version += 1
    db.session.execute(delete(SignIn).where(SignIn.user_id == user.id))


KEPT_SIGN_INS = 50  # per person; the oldest sessions beyond that end at the next sign-in


@write_transaction
def start_sign_in(user: User) -> str:
    """A new signed-in session for one browser: the secret its session cookie keeps (see SignIn)."""
    import secrets

    secret = secrets.token_urlsafe(32)
    db.session.add(SignIn(user_id=user.id, secret_hash=SignIn.hash(secret)))
    db.session.flush()
    stale = select(SignIn.id).where(SignIn.user_id == user.id).order_by(SignIn.id.desc()).offset(KEPT_SIGN_INS)
    db.session.execute(delete(SignIn).where(SignIn.id.in_(list(db.session.execute(stale).scalars()))))
    return secret


@write_transaction
def end_sign_in(secret: str | None) -> None:
    """Sign-out of one browser: its session (a copy of its cookie included) is no longer signed in."""
    if isinstance(secret, str) and secret:
        db.session.execute(delete(SignIn).where(SignIn.secret_hash == SignIn.hash(secret)))


def is_signed_in(user_id: int, secret: object) -> bool:
    if not isinstance(secret, str) or not secret:
        return False
    return db.session.execute(
        select(SignIn.id).where(SignIn.user_id == user_id, SignIn.secret_hash == SignIn.hash(secret))
    ).first() is not None


def export_personal_data(user: User) -> dict:
    data = {
        "user": {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "role": user.role,
            "language": user.language,
            "created_at": user.created_at.isoformat(),
        },
        "groups": [{"id": m.group.id, "name": m.group.name} for m in user.memberships],
        "facilities": [{"id": s.facility.id, "name": s.facility.name} for s in user.staff_of],
        "api_tokens": [{"id": t.id, "created_at": t.created_at.isoformat()} for t in user.tokens],
        # the browsers signed in now (when each signed in; never the cookie's secret)
        "signed_in_browsers": [{"id": s.id, "signed_in_at": s.created_at.isoformat()} for s in user.sign_ins],
    }
    from commons.mail import export_messages

    data.update(export_messages(user))  # the e-mails kept for the person (RETENTION_MAIL_DAYS)
    data.update(audit.export_audit(user))  # their actions as staff or administrator, and those about them
    for exporter in PERSONAL_DATA_EXPORTERS:
        data.update(exporter(user))
    return data


@write_transaction
def erase_account(user: User) -> None:
    """Erase the account and personal data; the groups' bookings stay, without the person."""
    from commons.mail import forget_recipient

    forget_recipient(user)  # the e-mails queued to the person
    audit.forget_person(user)  # the audit log keeps its events, without the account
    for eraser in PERSONAL_DATA_ERASERS:
        eraser(user)
    db.session.delete(user)


# --- Read helpers of the admin pages -----------------------------------------------------------------


def groups_for_review() -> list[Group]:
    """All groups, those waiting for verification first (oldest first), then the verified ones by name."""
    from sqlalchemy.orm import selectinload

    return list(
        db.session.execute(
            select(Group)
            .options(selectinload(Group.members).selectinload(GroupMember.user))
            .order_by(Group.verified, Group.created_at, Group.name)
        ).scalars()
    )


def list_facilities_with_staff() -> list[Facility]:
    """Facilities by name, their staff (and the staff's users) loaded with them: three queries."""
    from sqlalchemy.orm import selectinload

    return list(
        db.session.execute(
            select(Facility)
            .options(selectinload(Facility.staff).selectinload(FacilityStaff.user))
            .order_by(Facility.name)
        ).scalars()
    )


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
