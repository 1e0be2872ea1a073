"""Leads: created by anyone about an active listing, worked through by the listing's agent.

The pipeline is ``new → contacted → qualified → converted``, and ``lost`` from any open
state. TRANSITIONS is the only place that says so; every move is a conditional UPDATE on
the state it starts from, so of two concurrent requests only one can make it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sheda.common.clock import utcnow
from sheda.common.context import Runtime
from sheda.common.pagination import newest_first
from sheda.common.schemas import Page
from sheda.errors import Conflict, FieldError
from sheda.inquiries.models import Inquiry, InquiryNote, InquiryStatus, InquiryType
from sheda.inquiries.policy import lead_owner_filter, workable_inquiry
from sheda.inquiries.schemas import (
    InquiryIn,
    InquiryNoteIn,
    InquiryNoteOut,
    InquiryOut,
    InquiryQuery,
)
from sheda.notifications.schemas import InquiryEventData
from sheda.notifications.service import notify
from sheda.properties.policy import visible_property
from sheda.security.rate_limit import enforce
from sheda.users.principal import Principal

logger = logging.getLogger("sheda.inquiries")

S = InquiryStatus
TRANSITIONS: dict[InquiryStatus, frozenset[InquiryStatus]] = {
    S.NEW: frozenset({S.CONTACTED, S.LOST}),
    S.CONTACTED: frozenset({S.QUALIFIED, S.LOST}),
    S.QUALIFIED: frozenset({S.CONVERTED, S.LOST}),
    S.CONVERTED: frozenset(),
    S.LOST: frozenset(),
}

_TYPE_WORDS = {
    InquiryType.GENERAL: "a question",
    InquiryType.CALLBACK: "a callback request",
    InquiryType.SITE_VISIT: "a site visit request",
}


def inquiry_out(row: Inquiry) -> InquiryOut:
    return InquiryOut.model_validate(row)


@dataclass(frozen=True)
class _Contact:
    full_name: str
    email: str
    phone: str | None


def _contact(data: InquiryIn, caller: Principal | None) -> _Contact:
    """Who to call back: what the body says, else (signed in) the account's own details."""
    full_name, email, phone = data.full_name, data.email, data.phone
    if caller is not None:
        user = caller.user
        # An account with no name set is called by its username, else its address's name.
        full_name = full_name or user.fullname or user.username or user.email.split("@")[0]
        email = email or user.email
        phone = phone or user.phone_number
    if full_name and email:
        return _Contact(full_name, email, phone)
    raise FieldError([
        (f"body.{name}", "Field required (or send a bearer token to use the account's)")
        for name, value in (("full_name", full_name), ("email", email))
        if not value
    ])


async def create(*, rt: Runtime, data: InquiryIn, caller: Principal | None, ip: str) -> InquiryOut:
    """Store a lead and tell the listing's agent. Anonymous visitors may ask, so the limit
    is per IP; a signed-in asker is remembered on the lead."""
    contact = _contact(data, caller)  # a refused body spends none of the IP's quota
    await enforce(rt.limiter, f"inquiry:ip:{ip}", rt.settings.rate_inquiry_ip)
    # viewer=None: leads are only for listed (active) properties, whoever asks, so an
    # inactive listing is a 404 even for its own agent.
    listing = await visible_property(property_id=data.property_id, caller=None)
    row = await Inquiry.create(
        property_id=listing.id,
        user_id=caller.id if caller is not None else None,
        full_name=contact.full_name,
        email=contact.email,
        phone=contact.phone,
        message=data.message,
        inquiry_type=data.inquiry_type,
        preferred_contact_time=data.preferred_contact_time,
    )
    out = inquiry_out(row)
    summary = f"{contact.full_name} sent {_TYPE_WORDS[data.inquiry_type]} about “{listing.title}”"
    try:
        await notify(
            rt=rt,
            user_id=listing.agent_id,
            event="inquiry.created",
            data=InquiryEventData(inquiry_id=row.id, property_id=listing.id, summary=summary),
        )
    except Exception:
        # The lead is stored and the agent still sees it in their list; failing the visitor
        # now would only make them send it again (and spend their rate limit).
        logger.exception("notifying the agent of inquiry %s failed", row.id)
    return out


async def list_inquiries(*, caller: Principal, query: InquiryQuery) -> Page[InquiryOut]:
    """Newest first, keyset-paginated on id: one query per page, notes left out."""
    agent_id = lead_owner_filter(caller)
    rows = Inquiry.all()
    if agent_id is not None:
        rows = rows.filter(property__agent_id=agent_id)
    if query.status is not None:
        rows = rows.filter(status=query.status)
    if query.property_id is not None:
        rows = rows.filter(property_id=query.property_id)
    page, next_cursor = await newest_first(rows, limit=query.limit, cursor=query.cursor)
    return Page[InquiryOut](items=[inquiry_out(row) for row in page], next_cursor=next_cursor)


async def change_status(*, caller: Principal, inquiry_id: int, status: InquiryStatus) -> InquiryOut:
    row = await workable_inquiry(inquiry_id=inquiry_id, caller=caller)
    if row.status == status:  # a repeat (e.g. a retried request): no second change
        return inquiry_out(row)
    if status not in TRANSITIONS[row.status]:
        raise Conflict(f"An inquiry cannot move from {row.status.value} to {status.value}")
    now = utcnow()
    moved = await Inquiry.filter(id=row.id, status=row.status).update(status=status, updated_at=now)
    if not moved:
        # Someone else moved it between our read and our update. If they made the same
        # move, this request is a repeat of theirs; otherwise ours no longer applies.
        latest = await Inquiry.get(id=row.id)
        if latest.status == status:
            return inquiry_out(latest)
        raise Conflict(f"The inquiry is now {latest.status.value}; reload and try again")
    logger.info("inquiry %s: %s → %s by user %s", row.id, row.status.value, status.value, caller.id)
    row.status, row.updated_at = status, now
    return inquiry_out(row)


async def add_note(*, caller: Principal, inquiry_id: int, data: InquiryNoteIn) -> InquiryNoteOut:
    row = await workable_inquiry(inquiry_id=inquiry_id, caller=caller)
    note = await InquiryNote.create(inquiry_id=row.id, author_id=caller.id, text=data.text)
    return InquiryNoteOut(
        id=note.id, author_id=caller.id, text=note.text, created_at=note.created_at
    )
