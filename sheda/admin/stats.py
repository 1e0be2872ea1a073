"""GET /admin/stats: counts for the dashboard, in a fixed number of GROUP BY queries
whatever the size of the tables."""

from __future__ import annotations

from enum import StrEnum

from tortoise.functions import Count
from tortoise.models import Model

from sheda.admin.schemas import StatsOut, UserCounts
from sheda.appointments.models import Appointment, AppointmentStatus
from sheda.chat.models import Message
from sheda.common.clock import utcnow
from sheda.contracts.models import Contract, ContractStatus
from sheda.properties.models import Property, PropertyStatus
from sheda.users.models import Role, User, UserType


async def _by(
    model: type[Model], column: str, states: type[StrEnum], **filters: object
) -> dict[str, int]:
    rows = await (
        model.filter(**filters).annotate(n=Count("id")).group_by(column).values_list(column, "n")
    )
    counts = {state.value: 0 for state in states}
    for value, n in rows:
        counts[str(value)] = int(n)
    return counts


async def stats() -> StatsOut:
    live = {"deleted_at": None}
    by_type = await _by(User, "user_type", UserType, **live)
    by_role = await _by(User, "role", Role, **live)
    deactivated = await User.filter(is_active=False, **live).count()
    listings = await _by(Property, "status", PropertyStatus, is_active=True)
    listings["inactive"] = await Property.filter(is_active=False).count()
    midnight = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    return StatsOut(
        users=UserCounts(
            total=sum(by_type.values()),
            clients=by_type[UserType.CLIENT.value],
            agents=by_type[UserType.AGENT.value],
            admins=by_role[Role.ADMIN.value],
            deactivated=deactivated,
        ),
        listings=listings,
        appointments=await _by(Appointment, "status", AppointmentStatus),
        contracts=await _by(Contract, "status", ContractStatus),
        messages_today=await Message.filter(created_at__gte=midnight).count(),
    )
