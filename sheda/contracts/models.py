"""Rent and sale contracts: the deal a client makes on a listing after a viewing.

One pending-or-active contract per property is the database's to keep: a partial unique
index over ``property_id`` for the open states, the same statement on PostgreSQL (the
migration) and SQLite (SQLITE_EXTRAS). Of concurrent creations exactly one inserts.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from sheda.appointments.models import Appointment
from sheda.properties.models import ListingType, Property
from sheda.users.models import User

ONE_OPEN_PER_PROPERTY = "contracts_one_open_per_property"


class ContractStatus(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    PAYMENT_SUBMITTED = "payment_submitted"
    ACTIVE = "active"
    DECLINED = "declined"
    CANCELED = "canceled"
    EXPIRED = "expired"
    COMPLETED = "completed"  # part of the contract's vocabulary; no route sets it yet


# The states in which a contract holds its property.
OPEN = (ContractStatus.AWAITING_PAYMENT, ContractStatus.PAYMENT_SUBMITTED, ContractStatus.ACTIVE)


class Contract(Model):
    id = fields.IntField(primary_key=True)
    # A listing may be deleted once no contract holds it; closed contracts stay on record.
    property: fields.ForeignKeyNullableRelation[Property] = fields.ForeignKeyField(
        "models.Property", related_name="contracts", null=True, on_delete=fields.SET_NULL
    )
    property_id: int | None  # the column behind `property`
    client: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="contracts_as_client", on_delete=fields.CASCADE
    )
    client_id: int  # the column behind `client`
    agent: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="contracts_as_agent", on_delete=fields.CASCADE
    )
    agent_id: int  # the column behind `agent`
    appointment: fields.ForeignKeyNullableRelation[Appointment] = fields.ForeignKeyField(
        "models.Appointment", related_name="contracts", null=True, on_delete=fields.SET_NULL
    )
    appointment_id: int | None  # the column behind `appointment`
    contract_type = fields.CharEnumField(ListingType, max_length=10)
    # Price x months for rent (a listing's price is at most 12 integer digits, x 120).
    amount = fields.DecimalField(max_digits=18, decimal_places=2)
    rental_period_months = fields.SmallIntField(null=True)
    start_date = fields.DatetimeField(null=True)  # set when the agent confirms the payment
    end_date = fields.DatetimeField(null=True)  # rent only: start + rental_period_months
    status = fields.CharEnumField(
        ContractStatus, max_length=20, default=ContractStatus.AWAITING_PAYMENT
    )
    payment_reference = fields.CharField(max_length=100, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "contracts"
        indexes = (
            ("client_id", "id"),
            ("agent_id", "id"),
            ("property_id",),
            ("status", "end_date"),  # the background loop: active ones past their end
        )


_OPEN_SQL = ", ".join(f"'{status.value}'" for status in OPEN)
# The same statement is in the PostgreSQL migration.
OPEN_INDEX = (
    f'CREATE UNIQUE INDEX IF NOT EXISTS "{ONE_OPEN_PER_PROPERTY}" ON "contracts" '
    f'("property_id") WHERE "status" IN ({_OPEN_SQL})'
)
SQLITE_EXTRAS = (OPEN_INDEX,)
