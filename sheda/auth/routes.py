"""/api/v1/auth: register, login, tokens, one-time codes, passwords, switch-account."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from sheda.auth import service
from sheda.auth.schemas import (
    AuthOut,
    DetailOut,
    LoginIn,
    LogoutIn,
    OtpSendIn,
    OtpVerifyIn,
    PasswordChangeIn,
    PasswordResetIn,
    RefreshIn,
    RegisterIn,
    ResetTokenOut,
    SwitchAccountIn,
    TokenPair,
    VerifiedOut,
)
from sheda.common.access import Access
from sheda.common.http import (
    client_ip,
    endpoint,
    no_content,
    parse_body,
    parse_form_or_json,
    respond,
    runtime,
)
from sheda.users.principal import current
from sheda.users.schemas import UserOut

bp = Blueprint("auth", url_prefix="/api/v1/auth")
TAG = "Auth"


@bp.post("/register")
@endpoint(
    Access.PUBLIC,
    summary="Create an account",
    tag=TAG,
    description="Sends a verification code by email. 10 per hour per IP.",
    body=RegisterIn,
    responses={201: AuthOut},
    errors=(409, 429),
)
async def register(request: Request) -> HTTPResponse:
    data = parse_body(request, RegisterIn)
    out = await service.register(rt=runtime(request), data=data, ip=client_ip(request))
    return respond(out, status=201, headers={"Location": "/api/v1/users/me"})


@bp.post("/login")
@endpoint(
    Access.PUBLIC,
    summary="Sign in",
    tag=TAG,
    description="`username` is an email, username or phone number. JSON or "
    "application/x-www-form-urlencoded (OAuth2 password flow). Unknown account and wrong "
    "password answer alike (401). Limits: 10 failures per 15 min per account, 30 attempts "
    "per minute per IP. A deactivated account gets 403.",
    body=LoginIn,
    responses={200: AuthOut},
    errors=(401, 403, 429),
)
async def login(request: Request) -> HTTPResponse:
    data = parse_form_or_json(request, LoginIn)
    out = await service.login(
        rt=runtime(request), identifier=data.username, password=data.password, ip=client_ip(request)
    )
    return respond(out)


@bp.post("/refresh")
@endpoint(
    Access.PUBLIC,
    summary="Rotate tokens",
    tag=TAG,
    description="Every refresh token works once. Presenting a used one ends its whole "
    "session (all tokens derived from the same sign-in).",
    body=RefreshIn,
    responses={200: TokenPair},
    errors=(401, 403),
)
async def refresh(request: Request) -> HTTPResponse:
    data = parse_body(request, RefreshIn)
    return respond(await service.refresh(rt=runtime(request), refresh_token=data.refresh_token))


@bp.post("/logout")
@endpoint(
    Access.USER,
    summary="Sign out",
    tag=TAG,
    description="Ends this session at once: its access token and refresh tokens stop "
    "working. A `refresh_token` of another of your sessions ends that one too.",
    body=LogoutIn,
    responses={204: "Signed out"},
)
async def logout(request: Request) -> HTTPResponse:
    data = parse_body(request, LogoutIn)
    await service.logout(
        rt=runtime(request), caller=current(request), refresh_token=data.refresh_token
    )
    return no_content()


@bp.post("/otp/send")
@endpoint(
    Access.PUBLIC,
    summary="Send a one-time code by email",
    tag=TAG,
    description="Always 202 with the same body, whether or not the account exists. One "
    "code per 60 s per (email, purpose); 5 per hour per (email, purpose), 20 per hour per IP.",
    body=OtpSendIn,
    responses={202: DetailOut},
    errors=(429,),
)
async def otp_send(request: Request) -> HTTPResponse:
    data = parse_body(request, OtpSendIn)
    await service.request_code(
        rt=runtime(request), email=data.email, purpose=data.purpose, ip=client_ip(request)
    )
    return respond(DetailOut(detail="If the account exists, a code was sent"), status=202)


@bp.post("/otp/verify")
@endpoint(
    Access.PUBLIC,
    summary="Check a one-time code",
    tag=TAG,
    description="`verify_email` → `{user}` (now verified). `reset_password` → "
    "`{reset_token}` (10 minutes, single use). Wrong, expired, used or exhausted codes "
    "(5 tries) and unknown emails all give the same 400 `invalid_otp`.",
    body=OtpVerifyIn,
    responses={200: VerifiedOut | ResetTokenOut},
    errors=(400,),
)
async def otp_verify(request: Request) -> HTTPResponse:
    data = parse_body(request, OtpVerifyIn)
    result = await service.verify_code(
        rt=runtime(request), email=data.email, code=data.otp, purpose=data.purpose
    )
    if isinstance(result, UserOut):
        return respond(VerifiedOut(user=result))
    return respond(result)


@bp.post("/password/reset")
@endpoint(
    Access.PUBLIC,
    summary="Set a new password with a reset token",
    tag=TAG,
    description="The holder of a `reset_token` from otp/verify. Every session of the "
    "account ends. A used, expired or wrong token → 400 `invalid_token`. 10 per hour per IP.",
    body=PasswordResetIn,
    responses={204: "Password changed"},
    errors=(400, 429),
)
async def password_reset(request: Request) -> HTTPResponse:
    data = parse_body(request, PasswordResetIn)
    await service.reset_password(
        rt=runtime(request),
        reset_token=data.reset_token,
        new_password=data.new_password,
        ip=client_ip(request),
    )
    return no_content()


@bp.post("/password/change")
@endpoint(
    Access.USER,
    summary="Change my password",
    tag=TAG,
    description="Every other session ends; this one goes on. A wrong current password → "
    "400 `invalid_password`.",
    body=PasswordChangeIn,
    responses={204: "Password changed"},
    errors=(400,),
)
async def password_change(request: Request) -> HTTPResponse:
    data = parse_body(request, PasswordChangeIn)
    await service.change_password(
        rt=runtime(request),
        caller=current(request),
        current_password=data.current_password,
        new_password=data.new_password,
    )
    return no_content()


@bp.post("/switch-account")
@endpoint(
    Access.USER,
    summary="Act as client or agent",
    tag=TAG,
    description="Returns a new token pair whose scopes hold the chosen type; the current "
    "session ends. The first switch to agent creates the agent profile.",
    body=SwitchAccountIn,
    responses={200: TokenPair},
)
async def switch_account(request: Request) -> HTTPResponse:
    data = parse_body(request, SwitchAccountIn)
    out = await service.switch_account(
        rt=runtime(request), caller=current(request), user_type=data.user_type
    )
    return respond(out)
