"""Request and response bodies for sign-up, sign-in, tokens and one-time codes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from sheda.auth.models import OtpPurpose
from sheda.common.schemas import Input
from sheda.users.models import UserType
from sheda.users.schemas import Email, Password, Phone, ShortText, Username, UserOut


class RegisterIn(Input):
    email: Email
    password: Password
    username: Username | None = None
    fullname: ShortText | None = None
    phone_number: Phone | None = None
    user_type: UserType = UserType.CLIENT


class LoginIn(Input):
    # OAuth2's password flow may also send grant_type, scope, client_id, client_secret.
    model_config = Input.model_config | {"extra": "ignore"}

    username: Annotated[str, StringConstraints(min_length=1, max_length=254)] = Field(
        description="Email, username or phone number"
    )
    password: Annotated[
        str, StringConstraints(min_length=1, max_length=128, strip_whitespace=False)
    ]


class RefreshIn(Input):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class LogoutIn(Input):
    refresh_token: Annotated[str, StringConstraints(max_length=200)] | None = None


class OtpSendIn(Input):
    email: Email
    purpose: OtpPurpose


class OtpVerifyIn(Input):
    email: Email
    otp: Annotated[str, StringConstraints(min_length=1, max_length=12)]
    purpose: OtpPurpose


class PasswordResetIn(Input):
    reset_token: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    new_password: Password


class PasswordChangeIn(Input):
    current_password: Annotated[str, StringConstraints(max_length=128, strip_whitespace=False)]
    new_password: Password


class SwitchAccountIn(Input):
    user_type: UserType


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105
    expires_in: int = Field(description="Seconds until the access token expires")


class AuthOut(TokenPair):
    user: UserOut


class DetailOut(BaseModel):
    detail: str


class VerifiedOut(BaseModel):
    user: UserOut


class ResetTokenOut(BaseModel):
    reset_token: str
    expires_in: int
