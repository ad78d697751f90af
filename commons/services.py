"""Use cases for accounts, groups and facilities. The only place (with the other packages'
services) that commits: each public function is one transaction."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import bindparam, delete, func, or_, select

from commons import audit
from commons.auth import is_representative
from commons.db import utcnow, write_transaction
import commons.messages  # noqa: F401  (the words of the codes said here)
from commons.codes import Said
from commons.errors import Forbidden, Invalid, NotFound
from commons.extensions import db
from commons.models import (
    ROLES,
    ApiToken,
    Facility,
    FacilityStaff,
    Group,
    GroupMember,
    SignIn,
    User,
    check_password_without_account,
)
from commons.text import has_bidi_control, name_digests

# Packages that keep personal data register how to export and erase it (commons knows none of them).
PERSONAL_DATA_EXPORTERS: list[Callable[[User], dict]] = []
PERSONAL_DATA_ERASERS: list[Callable[[User], None]] = []


def _admin_only(actor: User) -> None:
    if not actor.is_admin:
        raise Forbidden(reason="admin_only")


def first_admin_email() -> str:
    """The first administrator's e-mail address ("" when there is none)."""
    return db.session.execute(select(User.email).where(User.role == "admin").order_by(User.id).limit(1)).scalar_one_or_none() or ""


def find_user(email: str) -> User | None:
    if "\x00" in email:  # no stored address has one (and PostgreSQL text cannot even compare with one)
        return None
    return db.session.execute(select(User).where(User.email == email.strip().lower())).scalar_one_or_none()


def authenticate(email: str, password: str) -> User | None:
    """The account of the address if the password is its password. An unknown address costs the same
    password-hash check as a wrong password (commons.models.check_password_without_account): the
    answer and its time tell nothing about whether the address has an account."""
    user = find_user(email)
    if user is None:
        check_password_without_account(password)
        return None
    return user if user.check_password(password) else None


def refuse_bidi_controls(**texts: str | None) -> None:
    """Names and titles: no bidirectional control characters (commons.text.BIDI_CONTROLS), which make
    a name show as something else than it is. A refusal with code `bidi_control` and the fields."""
    fields = {name: Said("bidi_control") for name, value in texts.items() if has_bidi_control(value)}
    if fields:
        raise Invalid(code="bidi_control", reason="bidi_control", params={"fields": sorted(fields)}, fields=fields)


def group_named_like(name: str) -> Group | None:
    """The group whose name looks the same as `name` (commons.text.name_key: case, Unicode look-alikes,
    invisible characters), if any."""
    small, caps = name_digests(name)
    return db.session.execute(
        select(Group).where(or_(Group.name_key == small, Group.name_key_caps == caps)).order_by(Group.id).limit(1)
    ).scalar_one_or_none()


def _name_taken() -> Invalid:
    return Invalid(code="name_taken", reason="group_name_taken", fields={"name": Said("group_name_taken")})


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
        params = {"roles": list(ROLES)}
        raise Invalid(reason="unknown_role", params=params, fields={"role": Said("unknown_role", params)})
    if facility and role not in ("staff", "admin"):
        raise Invalid(reason="facility_needs_staff", fields={"facility": Said("facility_needs_staff")})
    email = email.strip().lower()
    if "@" not in email:
        raise Invalid(reason="email_invalid", fields={"email": Said("email_invalid")})
    refuse_bidi_controls(name=name, group=group, facility=facility)
    user = find_user(email)
    old_role = user.role if user is not None else None
    if user is None:
        user = User(email=email, name=name.strip(), role=role)
        db.session.add(user)
    else:
        user.name, user.role = name.strip(), role
    if password:
        if len(password) < 8:
            raise Invalid(reason="password_too_short", fields={"password": Said("password_too_short")})
        user.set_password(password)
    db.session.flush()
    if role != old_role and (role in ("staff", "admin") or old_role in ("staff", "admin")):
        # the command line gave or took staff or administrator rights: no actor account, role "cli"
        audit.record(None, "user.role", user.id, subject_id=user.id, details={"role_from": old_role, "role_to": role}, role="cli")
    if group:
        g = group_named_like(group)
        if g is not None and g.name.casefold() != group.strip().casefold():
            raise _name_taken()  # a look-alike of another group's name: not that group, and not a new one
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
        raise NotFound(reason="user_not_found", params={"email": email})
    token = ApiToken.generate()
    db.session.add(ApiToken(user_id=user.id, token_hash=ApiToken.hash(token)))
    return token


@write_transaction
def register_group(actor: User, name: str, kind: str, district: str, registration_number: str | None, description: str) -> Group:
    refuse_bidi_controls(name=name, district=district)
    if group_named_like(name) is not None:
        raise _name_taken()  # and the unique indexes on groups.name_key(_caps), when two race
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
        raise Forbidden(reason="representatives_only")
    user = find_user(email)
    if user is None:
        raise Invalid(reason="representative_no_account", fields={"email": Said("representative_no_account")})
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
    refuse_bidi_controls(name=name, district=district, address=address)
    if _facility_by_name(name):
        raise Invalid(reason="facility_name_taken", fields={"name": Said("facility_name_taken")})
    facility = Facility(name=name, district=district, address=address, phone=phone)
    db.session.add(facility)
    db.session.flush()
    audit.record(actor, "facility.create", facility.id, facility_id=facility.id)
    return facility


def get_facility(facility_id: int) -> Facility:
    facility = db.session.get(Facility, facility_id)
    if facility is None:
        raise NotFound(reason="facility_not_found", params={"facility_id": facility_id})
    return facility


@write_transaction
def add_staff(actor: User, facility_id: int, email: str) -> FacilityStaff:
    _admin_only(actor)
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
    _admin_only(actor)
    row = db.session.execute(
        select(FacilityStaff).where(FacilityStaff.facility_id == facility_id, FacilityStaff.user_id == user_id)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(reason="not_staff_of_facility")
    db.session.delete(row)
    audit.record(actor, "staff.remove", facility_id, facility_id=facility_id, subject_id=user_id)


def sign_up(email: str, name: str, password: str, role: str = "member") -> User:
    """A new account. The password is hashed (scrypt, about 0.1 s) before the write transaction
    opens: on SQLite every other write would wait for it."""
    password_hash = User.hash_password(password) if len(password) >= 8 else ""
    return _sign_up(email, name, password, password_hash, role)


@write_transaction
def _sign_up(email: str, name: str, password: str, password_hash: str, role: str) -> User:
    if role not in ("member", "volunteer"):
        raise Invalid(reason="signup_role_not_allowed", fields={"role": Said("signup_role_not_allowed")})
    refuse_bidi_controls(name=name)
    if find_user(email):
        raise Invalid(reason="email_registered", fields={"email": Said("email_registered")})
    if len(password) < 8:
        raise Invalid(reason="password_too_short", fields={"password": Said("password_too_short")})
    user = User(email=email.strip().lower(), name=name.strip(), role=role, password_hash=password_hash)
    db.session.add(user)
    db.session.flush()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Both scrypt runs (the current password checked, the new one hashed) happen before the write
    transaction; inside it the stored hash must still be the one the current password was checked
    against (another browser may have changed it meanwhile)."""
    checked = user.password_hash
    if not user.check_password(current):
        raise Invalid(reason="current_password_wrong", fields={"current_password": Said("current_password_wrong")})
    if len(new) < 8:
        raise Invalid(reason="password_too_short", fields={"new_password": Said("password_too_short")})
    _store_password(user, checked, User.hash_password(new))


@write_transaction
def _store_password(user: User, checked: str | None, password_hash: str) -> None:
    if user.password_hash != checked:  # another browser changed it after the current password was checked
        raise Invalid(reason="password_changed_meanwhile", fields={"current_password": Said("password_changed_meanwhile")})
    user.password_hash = password_hash
    user.session_version += 1  # other signed-in browsers are signed out


@write_transaction
def update_profile(user: User, name: str, email: str) -> User:
    """Change one's own name and e-mail address (the address must not be another account's)."""
    name, email = name.strip(), email.strip().lower()
    if not name:
        raise Invalid(reason="name_required", fields={"name": Said("name_required")})
    refuse_bidi_controls(name=name)
    if "@" not in email:
        raise Invalid(reason="email_invalid", fields={"email": Said("email_invalid")})
    other = find_user(email)
    if other is not None and other.id != user.id:
        raise Invalid(reason="email_taken", fields={"email": Said("email_taken")})
    user.name, user.email = name, email
    return user


@write_transaction
def set_language(user: User, language: str, supported: list[str] | tuple[str, ...]) -> None:
    """Remember the language a signed-in person chose for the pages (used on their next sign-in too)."""
    if language not in supported:
        params = {"languages": list(supported)}
        raise Invalid(reason="unknown_language", params=params, fields={"language": Said("unknown_language", params)})
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


def list_groups() -> list[Group]:
    """Every group, by name (the API's list)."""
    return list(db.session.execute(select(Group).order_by(Group.name)).scalars())


def list_facilities() -> list[Facility]:
    """Every facility, by name (the API's list)."""
    return list(db.session.execute(select(Facility).order_by(Facility.name)).scalars())


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
