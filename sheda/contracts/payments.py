"""What a client needs to pay for a deal: the price and the agent's account, shown only to
the client of a confirmed or completed viewing of a listing that can still take their deal
(available, or held by their own open contract)."""

from __future__ import annotations

from sheda.appointments.policy import party_appointment, require_client
from sheda.common.context import Runtime
from sheda.contracts.models import OPEN, Contract
from sheda.contracts.schemas import DealPropertyOut, PaymentDetailsOut, PaymentDetailsQuery
from sheda.contracts.service import DEAL_READY, MAX_AMOUNT
from sheda.errors import Conflict, FieldError, NotFound
from sheda.properties.models import ListingType, Property, PropertyStatus
from sheda.users.models import PaymentAccount
from sheda.users.principal import Principal
from sheda.users.schemas import PaymentAccountOut


async def details(
    *, rt: Runtime, caller: Principal, appointment_id: int, query: PaymentDetailsQuery
) -> PaymentDetailsOut:
    viewing = await party_appointment(appointment_id=appointment_id, caller=caller)
    require_client(viewing, caller)
    if viewing.status not in DEAL_READY:
        raise Conflict(
            f"The viewing is {viewing.status.value}; payment details follow a confirmed or "
            "completed one"
        )
    listing = await Property.get_or_none(id=viewing.property_id, is_active=True)
    if listing is None:
        raise NotFound("The listing of this viewing was removed or hidden")
    if listing.status != PropertyStatus.AVAILABLE and not await Contract.exists(
        property_id=listing.id, client_id=caller.id, status__in=list(OPEN)
    ):
        # Someone else's deal holds it (or it is let or sold): paying now would be wasted.
        raise Conflict(f"This listing is {listing.status.value}; it takes no new deal now")
    account = await PaymentAccount.get_or_none(user_id=viewing.agent_id)
    if account is None:
        raise Conflict("The agent has not added a payment account yet; ask them in the chat")
    rent = listing.listing_type == ListingType.RENT
    amount = listing.price * query.months if rent else listing.price
    if amount > MAX_AMOUNT:
        raise FieldError.one(
            "query.months", f"{query.months} months would come to more than {MAX_AMOUNT:,}"
        )
    return PaymentDetailsOut(
        amount=amount,
        monthly_price=listing.price if rent else None,
        currency=rt.settings.currency,
        account=PaymentAccountOut.model_validate(account),
        property=DealPropertyOut(
            id=listing.id,
            title=listing.title,
            listing_type=listing.listing_type,
            price=listing.price,
            address=listing.address,
            city=listing.city,
            state=listing.state,
        ),
    )
