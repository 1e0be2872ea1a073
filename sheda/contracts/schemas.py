"""Bodies for contracts and payment details (API.md "Payments and contracts")."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, PlainSerializer, StringConstraints

from sheda.appointments.schemas import PartyRole
from sheda.common.schemas import Input, Output, PageQuery, Timestamp
from sheda.contracts.models import ContractStatus
from sheda.properties.models import ListingType
from sheda.users.schemas import PaymentAccountOut

Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
Months = Annotated[int, Field(ge=1, le=120)]
# DECIMAL in the database, a JSON number out (API.md: money).
Amount = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]


class ContractIn(Input):
    appointment_id: Id = Field(description="Your confirmed or completed viewing of this listing")
    rental_period_months: Months | None = Field(
        default=None, description="Required for a rental (1..120); not allowed for a sale"
    )


class PaymentSubmittedIn(Input):
    payment_reference: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = (
        Field(default=None, description="The bank's reference of the transfer, if any")
    )


class ContractOut(Output):
    id: int
    property_id: int | None = Field(description="null once the listing was deleted")
    client_id: int
    agent_id: int
    appointment_id: int | None
    contract_type: ListingType
    amount: Amount
    rental_period_months: int | None
    start_date: Timestamp | None = Field(description="Set when the agent confirms the payment")
    end_date: Timestamp | None = Field(description="Rent only: start_date + the months")
    status: ContractStatus
    payment_reference: str | None
    created_at: Timestamp
    updated_at: Timestamp


class ContractQuery(PageQuery):
    status: ContractStatus | None = None
    role: PartyRole | None = Field(
        default=None, description="only those where I am the client, or the agent"
    )
    property_id: Id | None = None


class PaymentDetailsQuery(Input):
    months: Months = Field(default=12, description="Rentals: the months to price (1..120)")


class DealPropertyOut(BaseModel):
    id: int
    title: str
    listing_type: ListingType
    price: Amount
    address: str
    city: str
    state: str


class PaymentDetailsOut(BaseModel):
    amount: Amount = Field(description="What the contract will cost: sale price, or monthly "
                           "price x months")
    monthly_price: Amount | None = Field(description="Rentals only")
    currency: str
    account: PaymentAccountOut
    property: DealPropertyOut
