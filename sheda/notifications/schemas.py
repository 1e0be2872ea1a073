"""Notifications: one event name per state change, and the ``data`` each event carries.

A notification is one of three shapes, told apart by ``event`` (a discriminated union in
the OpenAPI and AsyncAPI documents, so a typed client gets a precise type per event):
appointment events carry the appointment, contract events the contract (and the viewing it
came from), a new lead the inquiry. Every ``data`` has a short human ``summary``.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, Literal, TypeVar, get_args

from pydantic import BaseModel, Field, TypeAdapter

from sheda.common.schemas import Output, Page, PageQuery, Timestamp

AppointmentEvent = Literal[
    "appointment.requested",
    "appointment.confirmed",
    "appointment.rejected",
    "appointment.canceled",
    "appointment.completed",
]
ContractEvent = Literal[
    "contract.created",
    "contract.payment_submitted",
    "contract.active",
    "contract.declined",
    "contract.canceled",
    "contract.expired",
]
InquiryEvent = Literal["inquiry.created"]
EVENTS: tuple[str, ...] = (
    *get_args(AppointmentEvent), *get_args(ContractEvent), *get_args(InquiryEvent)
)  # fmt: skip

Summary = Annotated[str, Field(description="One line for a person, e.g. for a toast")]
# A listing removed later leaves its deals and viewings in place, without it.
ListingRef = Annotated[int | None, Field(description="null once the listing was removed")]


class AppointmentEventData(BaseModel):
    appointment_id: int
    property_id: ListingRef
    summary: Summary


class ContractEventData(BaseModel):
    contract_id: int
    property_id: ListingRef
    appointment_id: int | None
    summary: Summary


class InquiryEventData(BaseModel):
    inquiry_id: int
    property_id: int
    summary: Summary


EventT = TypeVar("EventT")
DataT = TypeVar("DataT", bound=BaseModel)
EventData = AppointmentEventData | ContractEventData | InquiryEventData


class Notice(Output, Generic[EventT, DataT]):
    id: int
    event: EventT
    data: DataT
    read_at: Timestamp | None
    created_at: Timestamp


class AppointmentNotification(Notice[AppointmentEvent, AppointmentEventData]):
    """A viewing was requested (to the agent), or confirmed, rejected, canceled or completed
    (to the other party)."""


class ContractNotification(Notice[ContractEvent, ContractEventData]):
    """A deal moved: created (to the agent), payment submitted (to the agent), active,
    declined, canceled or expired (to the client, or both)."""


class InquiryNotification(Notice[InquiryEvent, InquiryEventData]):
    """A new lead on one of the agent's listings."""


NotificationOut = Annotated[
    AppointmentNotification | ContractNotification | InquiryNotification,
    Field(discriminator="event"),
]
NOTIFICATION: TypeAdapter[NotificationOut] = TypeAdapter(NotificationOut)


def events_of(data: EventData) -> tuple[str, ...]:
    """The events that carry this kind of ``data``."""
    kinds: dict[type[BaseModel], Any] = {
        AppointmentEventData: AppointmentEvent,
        ContractEventData: ContractEvent,
        InquiryEventData: InquiryEvent,
    }
    return get_args(kinds[type(data)])


class NotificationPage(Page[NotificationOut]):
    """A page of notifications, newest first."""


def notification_of(row: Any) -> NotificationOut:
    """The notification a stored row is (its ``event`` picks the shape of ``data``)."""
    return NOTIFICATION.validate_python(row, from_attributes=True)


class NotificationQuery(PageQuery):
    unread: bool = False
