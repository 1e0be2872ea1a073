"""/api/v1/inquiries: leads on listings, their pipeline status and the agent's notes."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from sheda.common.access import Access
from sheda.common.http import client_ip, endpoint, parse_body, parse_query, respond, runtime
from sheda.common.schemas import Page
from sheda.inquiries import service
from sheda.inquiries.schemas import (
    InquiryIn,
    InquiryNoteIn,
    InquiryNoteOut,
    InquiryOut,
    InquiryQuery,
    InquiryStatusIn,
)
from sheda.users.principal import current

bp = Blueprint("inquiries", url_prefix="/api/v1/inquiries")
TAG = "Inquiries"


@bp.post("")
@endpoint(
    Access.PUBLIC,
    summary="Ask about a listing",
    tag=TAG,
    description="Anyone may ask; with a valid bearer token the lead remembers the account. "
    "Only active listings take inquiries (otherwise 404). 5 per hour per IP (429 with "
    "`Retry-After`). The listing's agent gets an `inquiry.created` notification.",
    body=InquiryIn,
    responses={201: InquiryOut},
    errors=(404, 429),
)
async def create_inquiry(request: Request) -> HTTPResponse:
    data = parse_body(request, InquiryIn)
    out = await service.create(
        rt=runtime(request), data=data, caller=request.ctx.principal, ip=client_ip(request)
    )
    return respond(out, status=201)


@bp.get("")
@endpoint(
    Access.USER,
    summary="Inquiries on my listings",
    tag=TAG,
    description="Agents see the leads on their own listings, admins all of them; anyone "
    "else gets 403. Newest first. Filters: `status`, `property_id`. `limit` 1..100 "
    "(default 20), `cursor` from `next_cursor`.",
    query=InquiryQuery,
    responses={200: Page[InquiryOut]},
    errors=(422,),
)
async def list_inquiries(request: Request) -> HTTPResponse:
    query = parse_query(request, InquiryQuery)
    return respond(await service.list_inquiries(caller=current(request), query=query))


@bp.patch("/<inquiry_id:id>/status")
@endpoint(
    Access.USER,
    summary="Move an inquiry through the pipeline",
    tag=TAG,
    description="The listing's agent or an admin. `new → contacted → qualified → "
    "converted`, and `lost` from new, contacted or qualified; any other move is 409. "
    "Repeating the current status is a 200 with no change.",
    body=InquiryStatusIn,
    responses={200: InquiryOut},
    errors=(404, 409),
)
async def change_status(request: Request, inquiry_id: int) -> HTTPResponse:
    data = parse_body(request, InquiryStatusIn)
    out = await service.change_status(
        caller=current(request), inquiry_id=inquiry_id, status=data.status
    )
    return respond(out)


@bp.post("/<inquiry_id:id>/notes")
@endpoint(
    Access.USER,
    summary="Add a note to an inquiry",
    tag=TAG,
    description="The listing's agent or an admin. Each note is its own row.",
    body=InquiryNoteIn,
    responses={201: InquiryNoteOut},
    errors=(404,),
)
async def add_note(request: Request, inquiry_id: int) -> HTTPResponse:
    data = parse_body(request, InquiryNoteIn)
    out = await service.add_note(caller=current(request), inquiry_id=inquiry_id, data=data)
    return respond(out, status=201)
