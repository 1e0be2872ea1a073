"""Who may see and act on an appointment: its two parties, nobody else (404 to others,
so another pair's appointments cannot be told from missing ones)."""

from __future__ import annotations

from tortoise.expressions import Q

from sheda.appointments.models import Appointment
from sheda.errors import Forbidden, NotFound
from sheda.users.principal import Principal


async def party_appointment(*, appointment_id: int, caller: Principal) -> Appointment:
    """The one loader for an appointment someone wants to read or change."""
    found = await Appointment.filter(
        Q(client_id=caller.id) | Q(agent_id=caller.id), id=appointment_id
    ).first()
    if found is None:
        raise NotFound("No such appointment")
    return found


def require_agent(appointment: Appointment, caller: Principal) -> None:
    if appointment.agent_id != caller.id:
        raise Forbidden("Only the agent of this appointment may do this")


def require_client(appointment: Appointment, caller: Principal) -> None:
    if appointment.client_id != caller.id:
        raise Forbidden("Only the client of this appointment may do this")
