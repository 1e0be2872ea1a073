"""Sign-up, sign-in, sessions and tokens, one-time codes, password changes.

Scopes are computed from the account each time a token is issued, so a promotion or a
switch of user type shows in the next token (login, refresh, switch-account).
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from tortoise import fields
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from sheda.auth import otp
from sheda.auth.models import AuthSession, OtpPurpose, RefreshToken, ResetGrant
from sheda.auth.schemas import AuthOut, RegisterIn, ResetTokenOut, TokenPair
from sheda.common.clock import utcnow
from sheda.common.context import Runtime
from sheda.common.events import FollowUp
from sheda.common.sockets import CLOSE_REVOKED
from sheda.config import RateLimit
from sheda.errors import (
    Conflict,
    Forbidden,
    InvalidOtp,
    InvalidPassword,
    InvalidToken,
    RateLimited,
    Unauthorized,
)
from sheda.security import passwords, tokens
from sheda.security.rate_limit import enforce
from sheda.users import service as users
from sheda.users.models import AgentProfile, User, UserType
from sheda.users.principal import Principal, scopes_for
from sheda.users.schemas import UserOut

logger = logging.getLogger("sheda.auth")

BAD_CREDENTIALS = "Wrong username or password"


# --- sessions ----------------------------------------------------------------------------


async def _new_refresh_token(rt: Runtime, session: AuthSession) -> str:
    token = tokens.new_opaque_token()
    await RefreshToken.create(
        session=session,
        token_hash=tokens.sha256_hex(token),
        expires_at=utcnow() + timedelta(seconds=rt.settings.refresh_token_ttl),
    )
    return token


def _access_token(rt: Runtime, user: User, session_id: str) -> str:
    return tokens.issue_access_token(
        rt.settings.secret_key,
        user_id=user.id,
        session_id=session_id,
        scopes=scopes_for(user),
        ttl=rt.settings.access_token_ttl,
    )


async def start_session(rt: Runtime, user: User) -> TokenPair:
    session = await AuthSession.create(
        id=uuid.uuid4(),
        user=user,
        expires_at=utcnow() + timedelta(seconds=rt.settings.refresh_token_ttl),
    )
    refresh = await _new_refresh_token(rt, session)
    return TokenPair(
        access_token=_access_token(rt, user, str(session.id)),
        refresh_token=refresh,
        expires_in=rt.settings.access_token_ttl,
    )


async def end_sessions(
    rt: Runtime,
    *,
    user_id: int,
    reason: str,
    only: list[str] | None = None,
    keep: str | None = None,
) -> FollowUp:
    """The one way a session ends (logout, password change or reset, account deletion, a
    role change, refresh token reuse): the user's live sessions, ``only`` these or all but
    ``keep``, are revoked, so their access and refresh tokens stop working at once. Runs in
    the caller's transaction if it has one; returns what closes those sessions' sockets
    (4001), to be awaited after the commit."""
    query = AuthSession.filter(user_id=user_id, revoked_at=None)
    if only is not None:
        query = query.filter(id__in=[uuid.UUID(session_id) for session_id in only])
    if keep is not None:
        query = query.exclude(id=uuid.UUID(keep))
    await query.update(revoked_at=utcnow(), revoked_reason=reason)

    async def close_sockets() -> None:
        await rt.hub.close_sessions(user_id, code=CLOSE_REVOKED, sessions=only, keep=keep)

    return close_sockets


async def _with_tokens(rt: Runtime, user: User) -> AuthOut:
    pair = await start_session(rt, user)
    return AuthOut(**pair.model_dump(), user=await users.me(caller=user))


# --- register and login -------------------------------------------------------------------


async def register(*, rt: Runtime, data: RegisterIn, ip: str) -> AuthOut:
    await enforce(rt.limiter, f"register:ip:{ip}", rt.settings.rate_register_ip)
    await users.ensure_unique(email=data.email, username=data.username, phone=data.phone_number)
    password_hash = await passwords.hash_password(data.password, rt.settings.bcrypt_rounds)
    try:
        async with in_transaction():
            user = await User.create(
                email=data.email,
                username=data.username,
                fullname=data.fullname,
                phone_number=data.phone_number,
                user_type=data.user_type,
                password_hash=password_hash,
            )
            if data.user_type == UserType.AGENT:
                await AgentProfile.create(user=user)
    except IntegrityError:  # lost a race with a concurrent registration
        raise Conflict("This email, username or phone number is already taken") from None
    await _mail_code(rt=rt, user=user, purpose=OtpPurpose.VERIFY_EMAIL)
    logger.info("registered user %s as %s", user.id, user.user_type.value)
    return await _with_tokens(rt, user)


async def _find_login_user(identifier: str) -> User | None:
    identifier = identifier.strip()
    if "@" in identifier:
        column = "email"
        identifier = identifier.lower()
    elif identifier.startswith("+"):
        column = "phone_number"
    else:
        column = "username"
        identifier = identifier.lower()
    # A name longer than its column cannot belong to anyone; PostgreSQL would refuse to
    # compare it (a length error, not "no row"). It is answered as any unknown name.
    field = User._meta.fields_map[column]
    if isinstance(field, fields.CharField) and len(identifier) > field.max_length:
        return None
    return await User.filter(**{column: identifier}, deleted_at=None).first()


async def login(*, rt: Runtime, identifier: str, password: str, ip: str) -> AuthOut:
    settings = rt.settings
    await enforce(rt.limiter, f"login:ip:{ip}", settings.rate_login_ip)
    user = await _find_login_user(identifier)
    # One failure budget per account, however it is named (email, username or phone);
    # unknown names get their own so they answer exactly like real ones.
    account_key = (
        f"login:fail:user:{user.id}" if user else f"login:fail:name:{identifier.strip().lower()}"
    )
    # Checked before the password, so a locked account cannot be probed any further.
    retry_after = await rt.limiter.peek(account_key, settings.rate_login_account)
    if retry_after is not None:
        raise RateLimited(retry_after, "Too many failed sign-ins for this account; wait")
    if user is None:
        await passwords.burn_verify_time(password, settings.bcrypt_rounds)
        ok = False
    else:
        ok = await passwords.verify_password(password, user.password_hash)
    if not ok or user is None:
        await rt.limiter.hit(account_key, settings.rate_login_account)
        raise Unauthorized(BAD_CREDENTIALS)
    if not user.is_active:
        raise Forbidden("This account is deactivated")
    await rt.limiter.reset(account_key)
    await User.filter(id=user.id).update(last_seen_at=utcnow())
    return await _with_tokens(rt, user)


# --- refresh and logout ---------------------------------------------------------------------


async def refresh(*, rt: Runtime, refresh_token: str) -> TokenPair:
    now = utcnow()
    stored = await RefreshToken.get_or_none(
        token_hash=tokens.sha256_hex(refresh_token)
    ).select_related("session__user")
    if stored is None:
        raise Unauthorized("The refresh token is not valid")
    session = stored.session
    if session.revoked_at is not None or session.expires_at <= now or stored.expires_at <= now:
        raise Unauthorized("The session has ended; sign in again")
    user = session.user
    if user.is_deleted:
        raise Unauthorized("The session has ended; sign in again")
    if not user.is_active:
        # Refused before the token is spent: a deactivated account keeps its tokens, so
        # after reactivation this refresh token must still work (and not look like reuse).
        raise Forbidden("This account is deactivated")
    # Rotation: the token is spent by a conditional UPDATE. Losing it (already spent, or a
    # concurrent refresh won) means someone replays an old token: end the whole family.
    if stored.used_at is not None or not await RefreshToken.filter(
        id=stored.id, used_at=None
    ).update(used_at=now):
        close_sockets = await end_sessions(
            rt, user_id=user.id, reason="refresh_reuse", only=[str(session.id)]
        )
        logger.warning("refresh token reuse on session %s; session revoked", session.id)
        await close_sockets()
        raise Unauthorized("The refresh token was already used; sign in again")
    await AuthSession.filter(id=session.id).update(
        expires_at=now + timedelta(seconds=rt.settings.refresh_token_ttl)
    )
    return TokenPair(
        access_token=_access_token(rt, user, str(session.id)),
        refresh_token=await _new_refresh_token(rt, session),
        expires_in=rt.settings.access_token_ttl,
    )


async def logout(*, rt: Runtime, caller: Principal, refresh_token: str | None) -> None:
    ended = [caller.session_id]
    if refresh_token:
        # A refresh token of another of the caller's sessions ends that session too (only
        # if it is the caller's: end_sessions looks at the caller's sessions alone).
        stored = await RefreshToken.get_or_none(token_hash=tokens.sha256_hex(refresh_token))
        if stored is not None:
            ended.append(str(stored.session_id))
    close_sockets = await end_sessions(rt, user_id=caller.id, reason="logout", only=ended)
    await close_sockets()


# --- one-time codes ---------------------------------------------------------------------------

_SUBJECTS = {
    OtpPurpose.VERIFY_EMAIL: "Your Sheda verification code",
    OtpPurpose.RESET_PASSWORD: "Your Sheda password reset code",
}


async def send_code(*, rt: Runtime, user: User, purpose: OtpPurpose) -> None:
    code = await otp.issue_code(settings=rt.settings, user=user, purpose=purpose)
    minutes = rt.settings.otp_ttl // 60
    rt.mailer.send_later(
        to=user.email,
        subject=_SUBJECTS[purpose],
        text=(
            f"Your code is {code}\n\n"
            f"It expires in {minutes} minutes and works once. "
            "If you did not ask for it, ignore this mail."
        ),
    )


def _cooldown_key(purpose: OtpPurpose, email: str) -> str:
    return f"otp:cooldown:{purpose.value}:{email}"


def _quota_key(purpose: OtpPurpose, email: str) -> str:
    return f"otp:email:{purpose.value}:{email}"


async def _mail_code(*, rt: Runtime, user: User, purpose: OtpPurpose) -> None:
    """A code mailed without an ``otp/send`` (the one at registration) still starts the
    resend cooldown and counts toward the address's quota: an ``otp/send`` right after
    registering must not mail a second code."""
    s = rt.settings
    await rt.limiter.hit(_cooldown_key(purpose, user.email), RateLimit(1, s.otp_resend_cooldown))
    await rt.limiter.hit(_quota_key(purpose, user.email), s.rate_otp_email)
    await send_code(rt=rt, user=user, purpose=purpose)


async def request_code(*, rt: Runtime, email: str, purpose: OtpPurpose, ip: str) -> None:
    """Same answer and the same work whether or not the account exists."""
    s = rt.settings
    await enforce(rt.limiter, f"otp:ip:{ip}", s.rate_otp_ip)
    cooldown = _cooldown_key(purpose, email)
    if await rt.limiter.hit(cooldown, RateLimit(1, s.otp_resend_cooldown)) is not None:
        return  # within the resend cooldown: nothing sent, quota untouched
    await enforce(rt.limiter, _quota_key(purpose, email), s.rate_otp_email)
    user = await User.get_or_none(email=email, deleted_at=None, is_active=True)
    if user is None:
        return
    if purpose == OtpPurpose.VERIFY_EMAIL and user.verified:
        return
    await send_code(rt=rt, user=user, purpose=purpose)


async def verify_code(
    *, rt: Runtime, email: str, code: str, purpose: OtpPurpose
) -> UserOut | ResetTokenOut:
    user = await User.get_or_none(email=email, deleted_at=None, is_active=True)
    if user is None:
        raise InvalidOtp()
    await otp.consume_code(settings=rt.settings, user=user, purpose=purpose, code=code)
    if purpose == OtpPurpose.VERIFY_EMAIL:
        await User.filter(id=user.id).update(verified=True, updated_at=utcnow())
        return await users.me(caller=await User.get(id=user.id))
    jti = uuid.uuid4().hex
    ttl = rt.settings.reset_token_ttl
    await ResetGrant.create(jti=jti, user=user, expires_at=utcnow() + timedelta(seconds=ttl))
    token = tokens.issue_reset_token(rt.settings.secret_key, user_id=user.id, jti=jti, ttl=ttl)
    return ResetTokenOut(reset_token=token, expires_in=ttl)


# --- passwords ---------------------------------------------------------------------------------


async def reset_password(*, rt: Runtime, reset_token: str, new_password: str, ip: str) -> None:
    await enforce(rt.limiter, f"reset:ip:{ip}", rt.settings.rate_reset_ip)
    try:
        user_id, jti = tokens.decode_reset_token(rt.settings.secret_key, reset_token)
    except tokens.TokenError:
        raise InvalidToken() from None
    password_hash = await passwords.hash_password(new_password, rt.settings.bcrypt_rounds)
    now = utcnow()
    async with in_transaction():
        spent = await ResetGrant.filter(
            jti=jti, user_id=user_id, used_at=None, expires_at__gt=now
        ).update(used_at=now)
        if not spent:
            raise InvalidToken()
        # Reading the code from the mailbox proves the address: the account is verified.
        await User.filter(id=user_id, deleted_at=None).update(
            password_hash=password_hash, verified=True, updated_at=now
        )
        close_sockets = await end_sessions(rt, user_id=user_id, reason="password_reset")
    await close_sockets()


async def change_password(
    *, rt: Runtime, caller: Principal, current_password: str, new_password: str
) -> None:
    user = caller.user
    if not await passwords.verify_password(current_password, user.password_hash):
        raise InvalidPassword()
    password_hash = await passwords.hash_password(new_password, rt.settings.bcrypt_rounds)
    async with in_transaction():
        await User.filter(id=user.id).update(password_hash=password_hash, updated_at=utcnow())
        close_sockets = await end_sessions(
            rt, user_id=user.id, reason="password_change", keep=caller.session_id
        )
    await close_sockets()


# --- switch account ------------------------------------------------------------------------------


async def switch_account(*, rt: Runtime, caller: Principal, user_type: UserType) -> TokenPair:
    """Change the active type. The current session ends and a new one starts, so the old
    access token (with the old scopes) stops working at once."""
    user = caller.user
    async with in_transaction():
        await User.filter(id=user.id).update(user_type=user_type, updated_at=utcnow())
        if user_type == UserType.AGENT and not await AgentProfile.exists(user_id=user.id):
            await AgentProfile.create(user_id=user.id)
        close_sockets = await end_sessions(
            rt, user_id=user.id, reason="switch_account", only=[caller.session_id]
        )
    await close_sockets()
    return await start_session(rt, await User.get(id=user.id))
