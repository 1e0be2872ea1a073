"""Who may see and act on a contract: its two parties, and admins (who see every one).
To anyone else a contract does not exist (404)."""

from __future__ import annotations

from tortoise.expressions import Q

from sheda.contracts.models import Contract
from sheda.errors import Forbidden, NotFound
from sheda.properties.policy import is_admin
from sheda.users.principal import Principal


async def visible_contract(*, contract_id: int, caller: Principal) -> Contract:
    """The one loader for a contract someone wants to read or change."""
    rows = Contract.filter(id=contract_id)
    if not is_admin(caller):
        rows = rows.filter(Q(client_id=caller.id) | Q(agent_id=caller.id))
    found = await rows.first()
    if found is None:
        raise NotFound("No such contract")
    return found


def require_client(contract: Contract, caller: Principal) -> None:
    if contract.client_id != caller.id:
        raise Forbidden("Only the client of this contract may do this")


def require_agent(contract: Contract, caller: Principal) -> None:
    if contract.agent_id != caller.id:
        raise Forbidden("Only the agent of this contract may do this")
