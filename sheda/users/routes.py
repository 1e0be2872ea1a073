"""/api/v1/users: own profile, avatar, public profiles, agent payment account."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from sheda.common.access import Access
from sheda.common.http import check_multipart, endpoint, no_content, parse_body, respond, runtime
from sheda.errors import FieldError
from sheda.users import service
from sheda.users.principal import current
from sheda.users.schemas import (
    AvatarOut,
    PaymentAccountIn,
    PaymentAccountOut,
    PublicUserOut,
    UserOut,
    UserPatch,
)

bp = Blueprint("users", url_prefix="/api/v1/users")
TAG = "Users"


@bp.get("/me")
@endpoint(Access.USER, summary="My profile", tag=TAG, responses={200: UserOut})
async def get_me(request: Request) -> HTTPResponse:
    return respond(await service.me(caller=current(request).user))


@bp.patch("/me")
@endpoint(
    Access.USER,
    summary="Update my profile",
    tag=TAG,
    description="Only the listed fields; `agency_name` and `license_number` for agents. "
    "Any other field (role, verified, is_active, rating, kyc_status, email) is a 422.",
    body=UserPatch,
    responses={200: UserOut},
    errors=(409,),
)
async def patch_me(request: Request) -> HTTPResponse:
    changes = parse_body(request, UserPatch)
    return respond(await service.update_me(caller=current(request).user, changes=changes))


@bp.delete("/me")
@endpoint(
    Access.USER,
    summary="Delete my account",
    tag=TAG,
    description="Soft delete: every session is revoked at once and the email, username and "
    "phone number may be registered again. Pending and confirmed viewings are canceled and "
    "contracts still awaiting payment canceled (the other party is notified).",
    responses={204: "Deleted"},
)
async def delete_me(request: Request) -> HTTPResponse:
    await service.delete_me(rt=runtime(request), caller=current(request).user)
    return no_content()


@bp.put("/me/avatar")
@endpoint(
    Access.USER,
    summary="Upload my avatar",
    tag=TAG,
    description="multipart/form-data with one `file`: JPEG, PNG or WebP, at most 5 MB, "
    "identified by content; metadata (EXIF, GPS) is removed.",
    body={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}}}},
    responses={200: AvatarOut},
    errors=(413, 415, 422),
)
async def put_avatar(request: Request) -> HTTPResponse:
    check_multipart(request)
    upload = request.files.get("file") if request.files else None
    if upload is None:
        raise FieldError.one("body.file", "Send the image as multipart field 'file'")
    url = await service.set_avatar(
        caller=current(request).user, data=upload.body, media=runtime(request).media
    )
    return respond(AvatarOut(avatar_url=url))


@bp.get("/me/payment-account")
@endpoint(
    Access.AGENT,
    summary="My payment account",
    tag=TAG,
    description="Where clients pay me; shown to a client only inside a deal.",
    responses={200: PaymentAccountOut},
    errors=(404,),
)
async def get_payment_account(request: Request) -> HTTPResponse:
    return respond(await service.get_payment_account(caller=current(request).user))


@bp.put("/me/payment-account")
@endpoint(
    Access.AGENT,
    summary="Set my payment account",
    tag=TAG,
    body=PaymentAccountIn,
    responses={200: PaymentAccountOut},
)
async def put_payment_account(request: Request) -> HTTPResponse:
    account = parse_body(request, PaymentAccountIn)
    return respond(
        await service.put_payment_account(caller=current(request).user, account=account)
    )


@bp.get("/<user_id:id>")
@endpoint(
    Access.USER,
    summary="Public profile",
    tag=TAG,
    description="No email, phone or bank data.",
    responses={200: PublicUserOut},
    errors=(404,),
)
async def get_user(request: Request, user_id: int) -> HTTPResponse:
    rt = runtime(request)
    profile = await service.public_profile(
        user_id=user_id, online=rt.presence.online, listings_count=rt.count_active_listings
    )
    return respond(profile)
