"""Console operators: accounts, password checks with lock-out, and login sessions.

Passwords are hashed with Argon2id (``storage.security``), always in a thread so the event loop
stays free. Each login try claims one of the account's tries with a guarded, committed
``UPDATE ... SET failed_logins = failed_logins + 1`` *before* its password is checked, so
neither concurrent requests nor several instances behind a load balancer can check more than
``login_max_failures`` passwords (docs/console.md, "Logging in"). The session cookie carries a
random token; only its SHA-256 is stored, so a copy of the database does not let anyone log in.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import audit
from storage.models import Operator, WebSession, utcnow
from storage.security import hash_secret, needs_rehash, verify_secret

ROLES = ("operator", "supervisor", "admin")
# Higher rank = more rights; a role may do everything a lower one may.
ROLE_RANK = {"operator": 0, "supervisor": 1, "admin": 2}
MIN_PASSWORD_LENGTH = 10
SESSION_HOURS = 12  # one shift plus overlap; operators log in again at the next shift
_USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")
# Verified against when the username is unknown, so both failures take the same time.
_DUMMY_HASH = hash_secret("siaga-no-such-operator")


def has_role(role: str, needed: str) -> bool:
    """True when ``role`` includes the rights of ``needed`` (admin ⊃ supervisor ⊃ operator)."""
    return ROLE_RANK.get(role, -1) >= ROLE_RANK[needed]


def _check_username(username: str) -> str:
    cleaned = username.strip().lower()
    if not 2 <= len(cleaned) <= 64 or not set(cleaned) <= _USERNAME_CHARS:
        raise ValueError("username must be 2-64 characters of a-z, 0-9, dot, dash or underscore")
    return cleaned


async def create_operator(
    session: AsyncSession, username: str, password: str, role: str
) -> Operator:
    """Create a console account.

    Raises:
        ValueError: the username is taken or malformed, the role is unknown, or the password is
            shorter than 10 characters. The message says which, for the CLI and the admin page.
    """
    name = _check_username(username)
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    existing = await session.execute(select(Operator.id).where(Operator.username == name))
    if existing.first() is not None:
        raise ValueError(f"username {name!r} is already taken")
    operator = Operator(
        username=name,
        password_hash=await asyncio.to_thread(hash_secret, password),
        role=role,
        active=True,
        failed_logins=0,
        created_at=utcnow(),
    )
    session.add(operator)
    await session.flush()
    audit(session, "operator_created", detail={"username": name, "role": role})
    return operator


async def set_password(session: AsyncSession, operator: Operator, password: str) -> None:
    """Replace an operator's password (and clear a lock-out).

    Raises:
        ValueError: the password is shorter than 10 characters.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    operator.password_hash = await asyncio.to_thread(hash_secret, password)
    operator.failed_logins = 0
    operator.locked_until = None


class LoginError(Exception):
    """A login was refused. ``locked_until`` is set when the account is locked."""

    def __init__(self, message: str, locked_until: datetime | None = None) -> None:
        """Keep the reason shown to the person at the login form."""
        super().__init__(message)
        self.locked_until = locked_until


async def authenticate(
    session: AsyncSession,
    username: str,
    password: str,
    *,
    max_failures: int,
    lockout_minutes: int,
) -> Operator:
    """Check a username and password, counting failures and locking the account after too many.

    The count and the lock cannot be raced (docs/console.md, "Logging in"): before its password
    is checked, a try *claims* one of the account's ``max_failures`` tries with one guarded
    ``UPDATE ... WHERE failed_logins < max_failures AND not locked``, and that claim is
    committed at once, so concurrent requests on any instance see it while the (slow) Argon2
    check runs. A try that finds no try left is refused without checking its password, the
    right one included. The check runs in a thread (``asyncio.to_thread``): the event loop
    keeps serving webhooks meanwhile.

    This function commits the claim; the caller commits the outcome (a refusal too: it raises
    after writing its audit entry).

    Raises:
        LoginError: wrong username or password (one message for both, so the form does not tell
            which usernames exist), a disabled account, or a locked account.
    """
    now = utcnow()
    try:
        name = _check_username(username)
    except ValueError:
        name = ""
    operator = (
        await session.execute(select(Operator).where(Operator.username == name))
    ).scalar_one_or_none()
    if operator is None:
        await asyncio.to_thread(verify_secret, _DUMMY_HASH, password)
        audit(session, "login_failed", detail={"reason": "unknown_user"})
        raise LoginError("Wrong username or password.")
    operator_id = operator.id
    if not operator.active:
        audit(session, "login_refused_inactive", operator_id=operator_id)
        raise LoginError("This account is disabled.")
    unlocked = or_(Operator.locked_until.is_(None), Operator.locked_until <= now)
    claimed = await session.execute(
        update(Operator)
        .where(Operator.id == operator_id, unlocked, Operator.failed_logins < max_failures)
        .values(failed_logins=Operator.failed_logins + 1)
        .returning(Operator.failed_logins, Operator.password_hash)
    )
    claim = claimed.first()
    if claim is None:
        raise await _refuse_locked(session, operator_id, now, lockout_minutes)
    tries, stored_hash = int(claim[0]), str(claim[1])
    await session.commit()  # the claim is seen by every other try before the check runs

    if not await asyncio.to_thread(verify_secret, stored_hash, password):
        detail: dict[str, object] = {"failures": tries}
        if tries >= max_failures:
            locked_until = utcnow() + timedelta(minutes=lockout_minutes)
            await session.execute(
                update(Operator)
                .where(Operator.id == operator_id)
                .values(failed_logins=0, locked_until=locked_until)
            )
            detail["locked_minutes"] = lockout_minutes
            audit(session, "login_locked", operator_id=operator_id, detail=detail)
            raise LoginError(
                "Too many failed attempts: this account is now locked for "
                f"{lockout_minutes} minutes.",
                locked_until=locked_until,
            )
        audit(session, "login_failed", operator_id=operator_id, detail=detail)
        raise LoginError("Wrong username or password.")
    operator = (
        await session.execute(
            select(Operator)
            .where(Operator.id == operator_id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    operator.failed_logins = 0
    operator.locked_until = None
    if needs_rehash(operator.password_hash):
        operator.password_hash = await asyncio.to_thread(hash_secret, password)
    audit(session, "login", operator_id=operator_id)
    return operator


async def _refuse_locked(
    session: AsyncSession, operator_id: int, now: datetime, lockout_minutes: int
) -> LoginError:
    """No try left: the account is locked, or its last tries are being checked right now.

    In the second case the lock is set here (a try that died mid-check must not leave the
    account refusing everyone with no end); the right password is not checked either way.
    """
    await session.execute(
        update(Operator)
        .where(
            Operator.id == operator_id,
            or_(Operator.locked_until.is_(None), Operator.locked_until <= now),
        )
        .values(failed_logins=0, locked_until=now + timedelta(minutes=lockout_minutes))
    )
    locked_until = await session.scalar(
        select(Operator.locked_until).where(Operator.id == operator_id)
    )
    audit(session, "login_refused_locked", operator_id=operator_id)
    return LoginError(
        "Too many failed attempts: this account is locked for a while. Try again later or "
        "ask an admin to unlock it.",
        locked_until=locked_until,
    )


async def unlock(session: AsyncSession, operator_id: int, *, by_operator_id: int) -> bool:
    """Clear a lock-out (admin action). False when there is no such operator."""
    result = await session.execute(
        update(Operator)
        .where(Operator.id == operator_id)
        .values(failed_logins=0, locked_until=None)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    audit(session, "operator_unlocked", operator_id=by_operator_id, detail={"id": operator_id})
    return True


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class NewSession:
    """A fresh login session: ``token`` goes into the cookie, ``csrf_token`` into the page."""

    token: str
    csrf_token: str
    expires_at: datetime


async def start_session(
    session: AsyncSession, operator: Operator, *, hours: int = SESSION_HOURS
) -> NewSession:
    """Open a console session for an authenticated operator."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = utcnow()
    expires = now + timedelta(hours=hours)
    session.add(
        WebSession(
            id=_token_hash(token),
            operator_id=operator.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=expires,
        )
    )
    # Housekeeping on login rather than a timer: expired rows are useless and small.
    await session.execute(delete(WebSession).where(WebSession.expires_at < now))
    return NewSession(token=token, csrf_token=csrf, expires_at=expires)


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """Who is behind a session cookie."""

    operator_id: int
    username: str
    role: str
    csrf_token: str
    must_change_password: bool = False  # after an admin's reset (docs/console.md, "Accounts")
    totp_enabled: bool = False


async def session_operator(session: AsyncSession, token: str) -> SessionInfo | None:
    """The active operator of a session token; None if unknown, expired or disabled."""
    if not token or len(token) > 200:
        return None
    row = (
        await session.execute(
            select(WebSession, Operator)
            .join(Operator, Operator.id == WebSession.operator_id)
            .where(WebSession.id == _token_hash(token))
        )
    ).first()
    if row is None:
        return None
    web_session, operator = row
    if web_session.expires_at <= utcnow() or not operator.active:
        return None
    return SessionInfo(
        operator_id=operator.id,
        username=operator.username,
        role=operator.role,
        csrf_token=web_session.csrf_token,
        must_change_password=operator.must_change_password,
        totp_enabled=operator.totp_enabled,
    )


async def end_session(session: AsyncSession, token: str) -> None:
    """Log out: the cookie stops working at once, on every instance."""
    await session.execute(delete(WebSession).where(WebSession.id == _token_hash(token)))


async def list_operators(session: AsyncSession) -> list[Operator]:
    """Every account, for the admin page."""
    return list((await session.execute(select(Operator).order_by(Operator.username))).scalars())
