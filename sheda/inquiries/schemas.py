"""Request and response bodies for leads and their notes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from sheda.common.pagination import MAX_DB_ID
from sheda.common.schemas import Input, Output, PageQuery, Timestamp
from sheda.inquiries.models import InquiryStatus, InquiryType
from sheda.users.schemas import ContactEmail, Phone

DbId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]


class InquiryIn(Input):
    """POST /inquiries. Status and the asking account are never taken from the body. With a
    bearer token, `full_name`, `email` and `phone` default to the account's; without one,
    `full_name` and `email` are required."""

    property_id: DbId
    full_name: Annotated[str, StringConstraints(min_length=1, max_length=120)] | None = None
    email: ContactEmail | None = None
    phone: Phone | None = None
    message: Annotated[str, StringConstraints(min_length=1, max_length=5000)]
    inquiry_type: InquiryType
    preferred_contact_time: (
        Annotated[str, StringConstraints(min_length=1, max_length=120)] | None
    ) = Field(default=None, description="Free text, e.g. 'weekdays after 5pm'")


class InquiryStatusIn(Input):
    status: InquiryStatus


class InquiryNoteIn(Input):
    text: Annotated[str, StringConstraints(min_length=1, max_length=4000)]


class InquiryQuery(PageQuery):
    status: InquiryStatus | None = None
    property_id: DbId | None = None


class InquiryOut(Output):
    id: int
    property_id: int
    user_id: int | None
    full_name: str
    email: str
    phone: str | None
    message: str
    inquiry_type: InquiryType
    preferred_contact_time: str | None
    status: InquiryStatus
    created_at: Timestamp
    updated_at: Timestamp


class InquiryNoteOut(Output):
    id: int
    author_id: int
    text: str
    created_at: Timestamp
