"""Request and response bodies for accounts and profiles."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, EmailStr, Field, StringConstraints, TypeAdapter

from sheda.common.schemas import Input, Output, Timestamp
from sheda.users.models import Role, UserType

_USERNAME = re.compile(r"^[a-zA-Z0-9_.]{3,30}$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def _username(value: str) -> str:
    if not _USERNAME.match(value):
        raise ValueError("3 to 30 characters: letters, digits, '_' and '.'")
    return value.lower()  # usernames are case-insensitive, like emails


def _phone(value: str) -> str:
    if not _E164.match(value):
        raise ValueError("Use the international E.164 form, e.g. +2348012345678")
    return value


def _email(value: str) -> str:
    return value.lower()


# The documented patterns allow the surrounding whitespace every input field has stripped.
Username = Annotated[
    str,
    AfterValidator(_username),
    Field(json_schema_extra={"pattern": r"^\s*[a-zA-Z0-9_.]{3,30}\s*$"}),
]
Phone = Annotated[
    str,
    AfterValidator(_phone),
    Field(json_schema_extra={"pattern": r"^\s*\+[1-9][0-9]{6,14}\s*$"},
          description="E.164, e.g. +2348012345678"),
]
Email = Annotated[
    EmailStr,
    AfterValidator(_email),
    Field(description="Stored lower-cased. Addresses in special-use or reserved domains "
          "(`.test`, `.local`, `.example`, `.invalid`, `localhost`, …) are refused (422)."),
]
# `sheda seed-demo`'s accounts (never in production: it refuses to run there). The domain is
# a special-use one, so the Email type refuses it: registering one is not possible.
DEMO_DOMAIN = "demo.sheda.local"
_EMAIL: TypeAdapter[str] = TypeAdapter(Email)


def _contact_email(value: str) -> str:
    local, _, domain = value.lower().rpartition("@")
    if domain == DEMO_DOMAIN and re.fullmatch(r"[a-z0-9._+-]{1,64}", local):
        return f"{local}@{domain}"
    return _EMAIL.validate_python(value)


# An address to be contacted at (a lead's): any Email, and the demo accounts' too, so a demo
# client can send an inquiry as the seeded ones did.
ContactEmail = Annotated[
    str,
    AfterValidator(_contact_email),
    Field(description=f"An email address (as for registration; `@{DEMO_DOMAIN}` accepted)"),
]
Password = Annotated[str, StringConstraints(min_length=8, max_length=128, strip_whitespace=False)]
ShortText = Annotated[str, StringConstraints(max_length=120)]


class AgentProfileOut(Output):
    agency_name: str | None
    license_number: str | None
    rating: float | None
    kyc_status: str


class UserOut(Output):
    """GET /users/me: the owner's own view, including contact details."""

    id: int
    email: str
    username: str | None
    fullname: str | None
    phone_number: str | None
    avatar_url: str | None
    location: str | None
    bio: str | None
    user_type: UserType
    role: Role
    verified: bool
    is_active: bool
    created_at: Timestamp
    agent_profile: AgentProfileOut | None = None


class PublicAgentProfile(BaseModel):
    agency_name: str | None
    rating: float | None
    listings_count: int


class PublicUserOut(BaseModel):
    """GET /users/{id}: what anyone signed in may see. No email, phone or bank data."""

    id: int
    username: str | None
    fullname: str | None
    avatar_url: str | None
    user_type: UserType
    agent_profile: PublicAgentProfile | None = None
    online: bool
    last_seen: Timestamp | None


class UserPatch(Input):
    """PATCH /users/me: the allow-list. Anything else (role, verified, is_active, rating,
    kyc_status, email…) is refused with 422 by extra="forbid"."""

    username: Username | None = None
    fullname: ShortText | None = None
    phone_number: Phone | None = None
    location: ShortText | None = None
    bio: Annotated[str, StringConstraints(max_length=2000)] | None = None
    agency_name: ShortText | None = Field(default=None, description="Agents only")
    license_number: Annotated[str, StringConstraints(max_length=60)] | None = Field(
        default=None, description="Agents only"
    )


class AvatarOut(BaseModel):
    avatar_url: str


class PaymentAccountIn(Input):
    bank_name: Annotated[str, StringConstraints(min_length=2, max_length=120)]
    account_name: Annotated[str, StringConstraints(min_length=2, max_length=120)]
    account_number: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z ]{4,34}$")]


class PaymentAccountOut(Output):
    bank_name: str
    account_name: str
    account_number: str
