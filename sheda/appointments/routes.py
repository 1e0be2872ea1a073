"""/api/v1/appointments (viewings) and /api/v1/users/…/availability (agents' weekly slots)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from sheda.appointments import availability, service
from sheda.appointments.schemas import (
    AppointmentIn,
    AppointmentOut,
    AppointmentQuery,
    AvailabilityIn,
    AvailabilityOut,
    FreeQuery,
    FreeWindowsOut,
    RejectIn,
)
from sheda.common.access import Access
from sheda.common.http import endpoint, parse_body, parse_query, respond, runtime
from sheda.common.schemas import Page
from sheda.common.transitions import Move, transition_routes
from sheda.users.principal import current

bp = Blueprint("appointments", url_prefix="/api/v1")
TAG = "Appointments"
SLOTS = "Slots are `{weekday, start, end}`: weekday 0 = Monday … 6 = Sunday, times `HH:MM` " \
    "in UTC (`end` may be `24:00`)."


@bp.get("/users/me/availability")
@endpoint(
    Access.AGENT,
    summary="My weekly availability",
    tag=TAG,
    description=SLOTS,
    responses={200: AvailabilityOut},
)
async def my_availability(request: Request) -> HTTPResponse:
    return respond(await availability.of_user(user_id=current(request).id))


@bp.put("/users/me/availability")
@endpoint(
    Access.AGENT,
    summary="Replace my weekly availability",
    tag=TAG,
    description=f"{SLOTS} The slots replace all earlier ones (an empty list clears them: "
    "viewings may then be booked at any future time). `start` must be before `end`; slots "
    "of one weekday may touch but not overlap (422). At most 50 slots.",
    body=AvailabilityIn,
    responses={200: AvailabilityOut},
)
async def set_availability(request: Request) -> HTTPResponse:
    data = parse_body(request, AvailabilityIn)
    return respond(await availability.replace(agent_id=current(request).id, data=data))


@bp.get("/users/<user_id:id>/availability")
@endpoint(
    Access.USER,
    summary="An agent's weekly availability",
    tag=TAG,
    description=f"{SLOTS} An empty list means the agent takes viewings at any future time.",
    responses={200: AvailabilityOut},
    errors=(404,),
)
async def user_availability(request: Request, user_id: int) -> HTTPResponse:
    return respond(await availability.of_user(user_id=user_id))


@bp.get("/users/<user_id:id>/availability/free")
@endpoint(
    Access.USER,
    summary="When an agent can take a viewing",
    tag=TAG,
    description="The agent's weekly slots laid on the calendar between `from` and `to` (ISO "
    "times with a zone, at most 31 days apart; by default the next 7 days; never before "
    "now), minus their pending and confirmed viewings, in UTC, oldest first. Each window "
    "lies inside one slot, so any viewing that fits in a window can be booked; gaps shorter "
    "than 15 minutes (the shortest viewing) are left out. An agent without slots: "
    "`windows` is null (any future time is open).",
    query=FreeQuery,
    responses={200: FreeWindowsOut},
    errors=(404, 422),
)
async def free_windows(request: Request, user_id: int) -> HTTPResponse:
    query = parse_query(request, FreeQuery)
    return respond(await availability.free_windows(user_id=user_id, query=query))


@bp.post("/appointments")
@endpoint(
    Access.CLIENT,
    summary="Book a viewing",
    tag=TAG,
    description="The agent is the listing's. `scheduled_at` must be in the future (at most a "
    "year ahead) and carry a timezone; `duration_minutes` 15..240 (default 60). When the "
    "agent has set availability, the whole viewing must fit in one slot (422). A viewing "
    "that overlaps a pending or confirmed one of the same agent is 409 (the database "
    "refuses it, so concurrent bookings of one time give exactly one 201). Your own "
    "listing is 403; an inactive or unknown listing 404; a rented or sold one 409. The "
    "agent gets an `appointment.requested` notification.",
    body=AppointmentIn,
    responses={201: AppointmentOut},
    errors=(404, 409),
)
async def book(request: Request) -> HTTPResponse:
    data = parse_body(request, AppointmentIn)
    out = await service.book(rt=runtime(request), caller=current(request), data=data)
    return respond(out, status=201, headers={"Location": f"/api/v1/appointments/{out.id}"})


@bp.get("/appointments")
@endpoint(
    Access.USER,
    summary="My appointments",
    tag=TAG,
    description="As client and as agent, newest first. Filters: `status`, `role` "
    "(`client` or `agent`). `limit` 1..100 (default 20), `cursor` from `next_cursor`.",
    query=AppointmentQuery,
    responses={200: Page[AppointmentOut]},
    errors=(422,),
)
async def list_appointments(request: Request) -> HTTPResponse:
    query = parse_query(request, AppointmentQuery)
    return respond(await service.list_mine(caller=current(request), query=query))


@bp.get("/appointments/<appointment_id:id>")
@endpoint(
    Access.USER,
    summary="One appointment",
    tag=TAG,
    description="Its client or agent; to anyone else it does not exist (404).",
    responses={200: AppointmentOut},
    errors=(404,),
)
async def get_appointment(request: Request, appointment_id: int) -> HTTPResponse:
    return respond(await service.get(caller=current(request), appointment_id=appointment_id))


TRANSITIONS = "A move from a state that does not allow it is 409; repeating the move that " \
    "already happened is a 200 with the appointment unchanged (no second notification). " \
    "Not a party: 404; the other party: 403."

transition_routes(
    bp,
    base="/appointments/<appointment_id:id>",
    id_param="appointment_id",
    tag=TAG,
    out=AppointmentOut,
    rules=TRANSITIONS,
    moves=[
        Move("PATCH", "/confirm", "confirm", "Confirm a viewing",
             "The appointment's agent: pending → confirmed, while its time is still ahead "
             "(409 after). {rules} The client gets `appointment.confirmed`.",
             service.confirm),
        Move("PATCH", "/reject", "reject", "Reject a viewing",
             "The appointment's agent: pending → rejected, with an optional `reason` (up to "
             "500 characters, shown as `reject_reason`). {rules} The client gets "
             "`appointment.rejected`.",
             service.reject, body=RejectIn),
        Move("DELETE", "", "cancel", "Cancel a viewing",
             "Either party: pending or confirmed → canceled, which frees the agent's time. "
             "Answers 200 with the appointment. {rules} The other party gets "
             "`appointment.canceled`.",
             service.cancel),
        Move("PATCH", "/complete", "complete", "Mark a viewing as done",
             "The appointment's agent: confirmed → completed, not before `scheduled_at` "
             "(409). {rules} The client gets `appointment.completed`.",
             service.complete),
    ],
)  # fmt: skip
