"""/api/v1/contracts (deals) and /api/v1/appointments/{id}/payment-details."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from sheda.common.access import Access
from sheda.common.http import endpoint, parse_body, parse_query, respond, runtime
from sheda.common.schemas import Page
from sheda.common.transitions import Move, transition_routes
from sheda.contracts import payments, service
from sheda.contracts.schemas import (
    ContractIn,
    ContractOut,
    ContractQuery,
    PaymentDetailsOut,
    PaymentDetailsQuery,
    PaymentSubmittedIn,
)
from sheda.users.principal import current

bp = Blueprint("contracts", url_prefix="/api/v1")
TAG = "Contracts"
TRANSITIONS = (
    "Atomic: a move from a state that does not allow it is 409; repeating the move that "
    "already happened is a 200 with the contract unchanged (no second notification). Not a "
    "party: 404; the other party: 403."
)


@bp.get("/appointments/<appointment_id:id>/payment-details")
@endpoint(
    Access.USER,
    summary="How to pay for a deal",
    tag=TAG,
    description="The client of a confirmed or completed viewing (else 409): the amount the "
    "contract will cost (sale: the price; rent: the monthly price x `months`, default 12, "
    "1..120), the currency and the agent's bank account. 409 when the agent has not added "
    "a payment account, or when the listing cannot take this client's deal (another deal "
    "holds it, or it is rented or sold); 404 when the listing was removed or hidden. An "
    "amount above 9,999,999,999,999.99 is 422 (`months`).",
    query=PaymentDetailsQuery,
    responses={200: PaymentDetailsOut},
    errors=(404, 409, 422),
)
async def payment_details(request: Request, appointment_id: int) -> HTTPResponse:
    query = parse_query(request, PaymentDetailsQuery)
    out = await payments.details(
        rt=runtime(request), caller=current(request), appointment_id=appointment_id, query=query
    )
    return respond(out)


@bp.post("/contracts/<id:id>")
@endpoint(
    Access.CLIENT,
    summary="Start a contract on a listing",
    tag=TAG,
    description="`id` is the **listing's** id (one path, `/contracts/{id}`, serves both: a "
    "POST names a listing, the other methods a contract). "
    "After your confirmed or completed viewing of it (`appointment_id`; another "
    "listing's viewing is 422, an unknown one 404, one in another state 409). Rentals need "
    "`rental_period_months` (1..120); sales must not send it (422). The amount is set by "
    "the server (sale: price; rent: monthly price x months). The contract starts "
    "`awaiting_payment` and the listing becomes `pending`. An amount above "
    "9,999,999,999,999.99 (the most a JSON number carries to the cent) is 422. A "
    "listing that already has a pending or active contract, or is not available, is 409; "
    "the database allows one such contract per listing, so concurrent requests give "
    "exactly one 201. Your own listing is 403. The agent gets `contract.created`.",
    body=ContractIn,
    responses={201: ContractOut},
    errors=(404, 409),
)
async def create_contract(request: Request, id: int) -> HTTPResponse:
    data = parse_body(request, ContractIn)
    out = await service.create(
        rt=runtime(request), caller=current(request), property_id=id, data=data
    )
    return respond(out, status=201, headers={"Location": f"/api/v1/contracts/{out.id}"})


@bp.get("/contracts")
@endpoint(
    Access.USER,
    summary="My contracts",
    tag=TAG,
    description="As client and as agent (admins: every contract), newest first. Filters: "
    "`status`, `role` (`client` or `agent`: only mine in that role), `property_id`. "
    "`limit` 1..100 (default 20), `cursor` from `next_cursor`.",
    query=ContractQuery,
    responses={200: Page[ContractOut]},
    errors=(422,),
)
async def list_contracts(request: Request) -> HTTPResponse:
    query = parse_query(request, ContractQuery)
    return respond(await service.list_visible(caller=current(request), query=query))


@bp.get("/contracts/<id:id>")
@endpoint(
    Access.USER,
    summary="One contract",
    tag=TAG,
    description="Its client, its agent or an admin; to anyone else it does not exist (404).",
    responses={200: ContractOut},
    errors=(404,),
)
async def get_contract(request: Request, id: int) -> HTTPResponse:
    return respond(await service.get(caller=current(request), contract_id=id))


transition_routes(
    bp,
    base="/contracts/<id:id>",
    id_param="id",
    id_arg="contract_id",
    tag=TAG,
    out=ContractOut,
    rules=TRANSITIONS,
    moves=[
        Move("PATCH", "/payment-submitted", "payment_submitted", "I have made payment",
             "The client: awaiting_payment → payment_submitted, with an optional "
             "`payment_reference`. {rules} The agent gets `contract.payment_submitted`.",
             service.submit_payment, body=PaymentSubmittedIn),
        Move("PATCH", "/confirm-payment", "confirm_payment", "Accept the payment",
             "The agent: payment_submitted → active; `start_date` is now, `end_date` (rent) "
             "start + the months; the listing becomes `rented` or `sold`. {rules} The client "
             "gets `contract.active`.",
             service.confirm_payment),
        Move("PATCH", "/decline-payment", "decline_payment", "Decline the payment",
             "The agent: payment_submitted → declined; the listing is available again. "
             "{rules} The client gets `contract.declined`.",
             service.decline_payment),
        Move("DELETE", "", "cancel_contract", "Cancel a contract before paying",
             "The client: awaiting_payment → canceled (200 with the contract); the listing is "
             "available again. {rules} The agent gets `contract.canceled`.",
             service.cancel),
        Move("PATCH", "/expire", "expire_contract", "Expire an active contract now",
             "Admins: an active rental → expired; the listing is available again. A sale "
             "does not expire (409). The background loop does this by itself once a rental's "
             "`end_date` has passed. {rules} Both parties get `contract.expired`.",
             service.expire, access=Access.ADMIN),
    ],
)  # fmt: skip
