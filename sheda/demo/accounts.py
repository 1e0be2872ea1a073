"""The demo accounts the playground offers to sign in with."""

from __future__ import annotations

from pydantic import BaseModel

from sheda.demo import vocab
from sheda.users.models import Role, User, UserType

PER_KIND = 3  # agents, and clients: enough to try a conversation from both ends


class DemoAccount(BaseModel):
    email: str
    label: str


class DemoAccountsOut(BaseModel):
    password: str | None
    accounts: list[DemoAccount]


def _label(user: User) -> str:
    kind = "admin" if user.role == Role.ADMIN else user.user_type.value
    return f"{kind}, {user.fullname}" if user.fullname else kind


async def offered() -> DemoAccountsOut:
    """Three queries, however many demo accounts there are."""
    live = User.filter(email__endswith="@" + vocab.DOMAIN, deleted_at=None, is_active=True)
    admins = await live.filter(role=Role.ADMIN).order_by("id").limit(1)
    people = live.filter(role=Role.USER).order_by("id")
    agents = await people.filter(user_type=UserType.AGENT).limit(PER_KIND)
    clients = await people.filter(user_type=UserType.CLIENT).limit(PER_KIND)
    chosen = [*admins, *agents, *clients]
    return DemoAccountsOut(
        password=vocab.PASSWORD if chosen else None,
        accounts=[DemoAccount(email=user.email, label=_label(user)) for user in chosen],
    )
