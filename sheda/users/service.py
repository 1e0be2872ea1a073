"""Accounts: the owner's profile, public profiles, avatars and the agent payment account."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from sheda.common.clock import utcnow
from sheda.common.context import Runtime
from sheda.common.events import publish
from sheda.common.images import clean_image
from sheda.common.storage import MediaStore
from sheda.errors import Conflict, FieldError, NotFound
from sheda.users.events import AccountClosed
from sheda.users.models import AgentProfile, PaymentAccount, User, UserType
from sheda.users.schemas import (
    AgentProfileOut,
    PaymentAccountIn,
    PaymentAccountOut,
    PublicAgentProfile,
    PublicUserOut,
    UserOut,
    UserPatch,
)

# The hub's presence lookup: {user id: holds a socket on some worker}.
OnlineLookup = Callable[[list[int]], Awaitable[dict[int, bool]]]
# The listings domain's count of an agent's active listings (it sits above this one).
ListingsCount = Callable[[int], Awaitable[int]]

AGENT_FIELDS = {"agency_name", "license_number"}


def user_out(user: User, profile: AgentProfile | None) -> UserOut:
    agent_profile = AgentProfileOut.model_validate(profile) if profile else None
    return UserOut.from_row(user, agent_profile=agent_profile)


async def load_profile(user: User) -> AgentProfile | None:
    return await AgentProfile.get_or_none(user_id=user.id)


async def me(*, caller: User) -> UserOut:
    return user_out(caller, await load_profile(caller))


async def ensure_unique(
    *, email: str | None = None, username: str | None = None, phone: str | None = None,
    exclude_id: int | None = None,
) -> None:
    """A readable 409 for the common case; the unique indexes still decide under races."""
    checks = {"email": email, "username": username, "phone_number": phone}
    for column, value in checks.items():
        if value is None:
            continue
        query = User.filter(**{column: value})
        if exclude_id is not None:
            query = query.exclude(id=exclude_id)
        if await query.exists():
            raise Conflict(f"This {column.replace('_', ' ')} is already taken")


async def update_me(*, caller: User, changes: UserPatch) -> UserOut:
    data: dict[str, Any] = changes.model_dump(exclude_unset=True)
    agent_data = {k: data.pop(k) for k in list(data) if k in AGENT_FIELDS}
    profile = await load_profile(caller)
    if agent_data and profile is None:
        raise FieldError(
            [(f"body.{k}", "Only agent accounts have this field") for k in agent_data]
        )
    await ensure_unique(
        username=data.get("username"), phone=data.get("phone_number"), exclude_id=caller.id
    )
    try:
        async with in_transaction():
            if data:
                await User.filter(id=caller.id).update(**data, updated_at=utcnow())
            if agent_data and profile is not None:
                await AgentProfile.filter(id=profile.id).update(**agent_data, updated_at=utcnow())
    except IntegrityError:
        raise Conflict("This username or phone number is already taken") from None
    fresh = await User.get(id=caller.id)
    return user_out(fresh, await load_profile(fresh))


async def delete_me(*, rt: Runtime, caller: User) -> None:
    """Soft delete: the row stays (deals and chats still name it) but the account is gone:
    sessions revoked, email/username/phone freed for a new registration at once, their
    listings hidden, pending and confirmed viewings canceled, contracts still awaiting
    payment canceled: each by the domain that owns them, on ``AccountClosed``."""
    now = utcnow()
    async with in_transaction():
        updated = await User.filter(id=caller.id, deleted_at=None).update(
            deleted_at=now,
            deleted_email=caller.email,
            deleted_username=caller.username,
            email=f"deleted-{caller.id}@deleted.invalid",
            username=None,
            phone_number=None,
            avatar_url=None,
            is_active=False,
            updated_at=now,
        )
        # The domains that hold its sessions, listings, viewings and deals settle them.
        settle = await publish(rt, AccountClosed(user_id=caller.id)) if updated else None
    if settle is not None:
        await rt.media.delete_url(caller.avatar_url)
        await settle()


async def set_avatar(*, caller: User, data: bytes, media: MediaStore) -> str:
    image = await clean_image(data, field="body.file")
    url = await media.save("avatars", image.extension, image.data)
    await User.filter(id=caller.id).update(avatar_url=url, updated_at=utcnow())
    await media.delete_url(caller.avatar_url)
    return url


async def public_profile(
    *,
    user_id: int,
    online: OnlineLookup,
    listings_count: ListingsCount,
    include_inactive: bool = False,
) -> PublicUserOut:
    """Deactivated accounts are hidden (404), except where a listing names its agent.
    ``online`` is the hub's presence lookup (a hint: any worker holds a socket of theirs);
    ``listings_count`` the listings domain's count of an agent's active listings."""
    user = await User.get_or_none(id=user_id, deleted_at=None)
    if user is None or not (user.is_active or include_inactive):
        raise NotFound("No such user")
    profile = await load_profile(user)
    agent = None
    if profile is not None and user.user_type == UserType.AGENT:
        agent = PublicAgentProfile(
            agency_name=profile.agency_name,
            rating=float(profile.rating) if profile.rating is not None else None,
            listings_count=await listings_count(user.id),
        )
    return PublicUserOut(
        id=user.id,
        username=user.username,
        fullname=user.fullname,
        avatar_url=user.avatar_url,
        user_type=user.user_type,
        agent_profile=agent,
        online=(await online([user.id])).get(user.id, False),
        last_seen=user.last_seen_at,
    )


async def get_payment_account(*, caller: User) -> PaymentAccountOut:
    account = await PaymentAccount.get_or_none(user_id=caller.id)
    if account is None:
        raise NotFound("No payment account yet; PUT one first")
    return PaymentAccountOut.model_validate(account, from_attributes=True)


async def put_payment_account(*, caller: User, account: PaymentAccountIn) -> PaymentAccountOut:
    values = account.model_dump()
    # No transaction: on PostgreSQL a failed INSERT would poison it for the retry below.
    if not await PaymentAccount.filter(user_id=caller.id).update(**values, updated_at=utcnow()):
        try:
            await PaymentAccount.create(user_id=caller.id, **values)
        except IntegrityError:  # a concurrent PUT created it first: last write wins
            await PaymentAccount.filter(user_id=caller.id).update(**values, updated_at=utcnow())
    return PaymentAccountOut(**values)
