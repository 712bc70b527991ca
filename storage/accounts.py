"""Accounts an admin can run (docs/console.md, "Accounts"): own password change, admin reset with
a forced change, deactivation that ends every session at once, and the optional TOTP second factor
(RFC 6238, with pyotp).

Sessions are rows (``console_sessions``), checked on every request, so deleting an operator's
rows logs them out on every instance at once. A TOTP code is accepted one step either side of now
(clock drift) and never twice: the last accepted time step is kept.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import audit
from storage.models import Operator, WebSession, utcnow
from storage.operators import LoginError, set_password
from storage.security import verify_secret

ISSUER = "Siaga"


class AccountError(ValueError):
    """An account change was refused; the message says why (shown to the operator)."""


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def end_sessions(
    session: AsyncSession, operator_id: int, *, keep_token: str | None = None
) -> None:
    """End every session of an operator (but ``keep_token``'s, when given), on every instance."""
    stmt = delete(WebSession).where(WebSession.operator_id == operator_id)
    if keep_token:
        stmt = stmt.where(WebSession.id != _token_hash(keep_token))
    await session.execute(stmt)


async def _operator(session: AsyncSession, operator_id: int) -> Operator:
    operator = await session.get(Operator, operator_id, populate_existing=True)
    if operator is None:
        raise LookupError("no such operator")
    return operator


async def change_own_password(
    session: AsyncSession, operator_id: int, current: str, new: str, *, keep_token: str | None
) -> None:
    """Change one's own password: the current one must be right; other sessions end.

    Raises:
        AccountError: wrong current password, a too-short or unchanged new one.
    """
    operator = await _operator(session, operator_id)
    if not verify_secret(operator.password_hash, current):
        audit(session, "password_change_refused", operator_id=operator_id)
        raise AccountError("the current password is wrong")
    if new == current:
        raise AccountError("choose a new password, not the current one")
    try:
        await set_password(session, operator, new)
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    operator.must_change_password = False
    await end_sessions(session, operator_id, keep_token=keep_token)
    audit(session, "password_changed", operator_id=operator_id)


async def reset_password(
    session: AsyncSession,
    operator_id: int,
    password: str,
    *,
    by_operator_id: int,
    reset_totp: bool,
) -> Operator:
    """An admin sets a temporary password: it must be changed at the next login, and the
    operator's sessions end. ``reset_totp`` also removes the second factor (a lost phone).

    Raises:
        LookupError: no such operator. AccountError: the password is too short.
    """
    operator = await _operator(session, operator_id)
    try:
        await set_password(session, operator, password)
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    operator.must_change_password = True
    if reset_totp:
        operator.totp_enabled = False
        operator.totp_secret = None
        operator.totp_last_step = None
    await end_sessions(session, operator_id)
    audit(
        session,
        "password_reset",
        operator_id=by_operator_id,
        detail={"id": operator_id, "totp_reset": reset_totp},
    )
    return operator


async def set_active(
    session: AsyncSession, operator_id: int, active: bool, *, by_operator_id: int
) -> Operator:
    """Deactivate (every session ends at once) or reactivate an account.

    Raises:
        LookupError: no such operator. AccountError: an admin deactivating themself.
    """
    if operator_id == by_operator_id and not active:
        raise AccountError("you cannot deactivate your own account")
    operator = await _operator(session, operator_id)
    operator.active = active
    if not active:
        await end_sessions(session, operator_id)
    audit(
        session,
        "operator_activated" if active else "operator_deactivated",
        operator_id=by_operator_id,
        detail={"id": operator_id},
    )
    return operator


# --- TOTP ----------------------------------------------------------------------------------


def _step_of(operator: Operator, code: str, now: datetime) -> int | None:
    """The time step ``code`` belongs to (now, or one step either side), if any."""
    if not operator.totp_secret or not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(operator.totp_secret)
    current = totp.timecode(now)
    for offset in (0, -1, 1):
        if hmac.compare_digest(totp.at(now, counter_offset=offset), code):
            return current + offset
    return None


def _accept(operator: Operator, code: str, now: datetime) -> bool:
    """Check a code and burn its time step (a code seen once is refused afterwards)."""
    step = _step_of(operator, code.strip().replace(" ", ""), now)
    if step is None or (operator.totp_last_step is not None and step <= operator.totp_last_step):
        return False
    operator.totp_last_step = step
    return True


async def totp_begin(session: AsyncSession, operator_id: int) -> tuple[str, str]:
    """Start setting up TOTP: a new secret (not yet active); returns it and its otpauth URI.

    Raises:
        AccountError: TOTP is already on (turn it off first).
    """
    operator = await _operator(session, operator_id)
    if operator.totp_enabled:
        raise AccountError("two-factor login is already on")
    operator.totp_secret = pyotp.random_base32()
    operator.totp_last_step = None
    uri = pyotp.TOTP(operator.totp_secret).provisioning_uri(
        name=operator.username, issuer_name=ISSUER
    )
    return operator.totp_secret, uri


async def totp_enable(session: AsyncSession, operator_id: int, code: str) -> None:
    """Turn TOTP on once the operator shows a code from their app.

    Raises:
        AccountError: no set-up started, or a wrong code.
    """
    operator = await _operator(session, operator_id)
    if operator.totp_enabled:
        raise AccountError("two-factor login is already on")
    if not operator.totp_secret:
        raise AccountError("start the set-up first")
    if not _accept(operator, code, utcnow()):
        raise AccountError("the code is wrong or expired; try the next one")
    operator.totp_enabled = True
    audit(session, "totp_enabled", operator_id=operator_id)


async def totp_disable(session: AsyncSession, operator_id: int, password: str, code: str) -> None:
    """Turn TOTP off (the password and a current code are both needed).

    Raises:
        AccountError: it is off, or the password or code is wrong.
    """
    operator = await _operator(session, operator_id)
    if not operator.totp_enabled:
        raise AccountError("two-factor login is off")
    if not verify_secret(operator.password_hash, password) or not _accept(
        operator, code, utcnow()
    ):
        raise AccountError("the password or the code is wrong")
    operator.totp_enabled = False
    operator.totp_secret = None
    audit(session, "totp_disabled", operator_id=operator_id)


def accept_code(operator: Operator, code: str) -> bool:
    """At login, after the right password: whether ``code`` is a fresh TOTP code (burnt if so)."""
    return _accept(operator, code, utcnow())


async def release_attempt(session: AsyncSession, operator_id: int) -> None:
    """Give back the attempt a login claimed when the password was right but the code is still
    to come: asking for the second factor is not a failure."""
    await session.execute(
        update(Operator)
        .where(Operator.id == operator_id, Operator.failed_logins > 0)
        .values(failed_logins=Operator.failed_logins - 1)
    )


async def second_factor_failed(
    session: AsyncSession, operator: Operator, *, max_failures: int, lockout_minutes: int
) -> LoginError:
    """Count a wrong TOTP code like a wrong password (locking the account after too many).

    The caller has rolled the password check back and commits what this writes. The try was
    already counted when it claimed its attempt (``storage.operators.authenticate`` commits
    the claim before checking), so the count is not raised again here, only acted on.
    """
    now = utcnow()
    failures = operator.failed_logins
    values: dict[str, object] = {"failed_logins": failures}
    locked_until = None
    if failures >= max_failures:
        locked_until = now + timedelta(minutes=lockout_minutes)
        values = {"failed_logins": 0, "locked_until": locked_until}
    await session.execute(update(Operator).where(Operator.id == operator.id).values(**values))
    audit(
        session,
        "login_locked" if locked_until else "login_failed",
        operator_id=operator.id,
        detail={"reason": "totp", "failures": failures},
    )
    if locked_until:
        return LoginError(
            f"Too many failed attempts: this account is now locked for {lockout_minutes} minutes.",
            locked_until=locked_until,
        )
    return LoginError("Wrong code from the authenticator app.")
