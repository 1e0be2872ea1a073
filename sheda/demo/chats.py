"""The demo's chat conversations between clients and agents, decided with the rest of the
plan: who talks to whom, about which listing, what was said and when, and how far each
member has read. The numbers hold the invariants the chat service keeps when it stores
messages itself: seq 1..n in time order, a sender has read up to its own message, and a
message carries ``read_at`` exactly when its receiver's read horizon covers it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING

from sheda.demo import vocab
from sheda.properties.models import ListingType, PropertyType

if TYPE_CHECKING:
    from sheda.demo.plan import Listing, Person

CONVERSATIONS = 15
MIN_MESSAGES, MAX_MESSAGES = 5, 30
ABOUT_A_LISTING = 0.7  # share of the chats opened from a listing (when the agent has one)
DAYS = 6  # the last message of each chat falls within the last six days
# The questions in the scripts are about homes to live in, not land or shops.
HOMES = frozenset({PropertyType.APARTMENT, PropertyType.HOUSE, PropertyType.SHARED_APARTMENT})


@dataclass(frozen=True)
class ChatLine:
    from_client: bool
    text: str
    created_at: datetime
    about_listing: bool  # carries the chat's listing as property_id
    read_at: datetime | None  # when its receiver read it; None while unread


@dataclass(frozen=True)
class Chat:
    client: int  # index into Plan.clients
    agent: int  # index into Plan.agents
    listing: int | None  # index into Plan.listings
    lines: list[ChatLine]  # seq n is lines[n - 1]
    client_read: int  # each member's read horizon: the highest seq read (or sent)
    agent_read: int


def _words(agent: Person, client: Person, listing: Listing | None,
           rng: random.Random) -> dict[str, str]:
    home = next(place for place in vocab.PLACES
                if agent.location.startswith(place.city + ","))
    words = {
        "client": client.fullname.split()[0],
        "agent": agent.fullname.split()[0],
        "city": home.city,
        "area": rng.choice(home.areas),
        "beds": str(rng.choice((2, 3))),
        "budget": rng.choice(vocab.CHAT_BUDGETS),
        "day": rng.choice(vocab.CHAT_DAYS),
        "time": rng.choice(vocab.CHAT_TIMES),
        "title": "",
        "price": "",
    }
    if listing is not None:
        per_month = " a month" if listing.listing_type is ListingType.RENT else ""
        words.update(title=listing.title, city=listing.city,
                     area=listing.address.rpartition(", ")[2],
                     price=f"₦{listing.price:,.0f}{per_month}")
    return words


def _script(listing: bool, rng: random.Random) -> list[tuple[str, str, bool]]:
    """(who, text template, about the listing) lines: an opener, then questions and
    answers in a random order, then a closing; the caller cuts it to length."""
    opener = rng.choice(vocab.CHAT_OPENERS_LISTING if listing else vocab.CHAT_OPENERS_GENERAL)
    middles = rng.sample(vocab.CHAT_MIDDLES, len(vocab.CHAT_MIDDLES))
    lines = [(who, text, listing and n == 0) for n, (who, text) in enumerate(opener)]
    for beat in [*middles, rng.choice(vocab.CHAT_CLOSINGS)]:
        lines += [(who, text, False) for who, text in beat]
    return lines


def _times(senders: list[bool], now: datetime, rng: random.Random) -> list[datetime]:
    """Seconds apart within a burst, minutes for a reply, now and then hours."""
    offsets = [0.0]
    for previous, current in pairwise(senders):
        if previous == current:
            gap = rng.uniform(5, 90)
        elif rng.random() < 0.75:
            gap = rng.uniform(60, 15 * 60)
        else:
            gap = rng.uniform(2 * 3600, 20 * 3600)
        offsets.append(offsets[-1] + gap)
    end = now - timedelta(minutes=rng.uniform(3, DAYS * 24 * 60))
    start = end - timedelta(seconds=offsets[-1])
    return [start + timedelta(seconds=round(offset)) for offset in offsets]


def _read_at(senders: list[bool], times: list[datetime], client_read: int, agent_read: int,
             now: datetime, rng: random.Random) -> list[datetime | None]:
    """A member reads what they received when they next write, or, for what came after
    their last message, all at once a little after the last message."""
    last_look = min(now, times[-1] + timedelta(minutes=rng.uniform(1, 60)))
    read: list[datetime | None] = []
    for index, from_client in enumerate(senders):
        horizon = agent_read if from_client else client_read
        if index + 1 > horizon:
            read.append(None)
            continue
        reply = next((times[later] for later in range(index + 1, len(senders))
                      if senders[later] != from_client), None)
        read.append(reply or last_look)
    return read


def _chat(client: int, agent: int, listing: int | None, plan_listing: Listing | None,
          people: tuple[Person, Person], unread_by_agent: bool, now: datetime,
          rng: random.Random) -> Chat:
    words = _words(people[1], people[0], plan_listing, rng)
    script = _script(plan_listing is not None, rng)
    length = rng.randint(MIN_MESSAGES, MAX_MESSAGES)
    if unread_by_agent:
        # The client wrote last and the agent has not opened the chat since.
        nudges = [("c", text, False)
                  for text in rng.sample(vocab.CHAT_NUDGES, rng.randint(1, 2))]
        script = script[: length - len(nudges)] + nudges
    else:
        script = script[:length]
    senders = [who == "c" for who, _, _ in script]
    last = len(script)

    def last_sent(by_client: bool) -> int:
        return max((n for n, sender in enumerate(senders, start=1) if sender == by_client),
                   default=0)

    agent_read = last_sent(False) if unread_by_agent else last
    client_read = last
    if not unread_by_agent and not senders[-1] and rng.random() < 0.4:
        client_read = last_sent(True)  # the agent answered; the client has not looked yet
    times = _times(senders, now, rng)
    read = _read_at(senders, times, client_read, agent_read, now, rng)
    lines = [
        ChatLine(from_client=sender, text=text.format(**words), created_at=at,
                 about_listing=about, read_at=read_at)
        for (_, text, about), sender, at, read_at in zip(script, senders, times, read,
                                                         strict=True)
    ]
    return Chat(client=client, agent=agent, listing=listing, lines=lines,
                client_read=client_read, agent_read=agent_read)


def make_chats(*, agents: list[Person], clients: list[Person], listings: list[Listing],
               now: datetime, rng: random.Random) -> list[Chat]:
    """CONVERSATIONS chats spread evenly over the agents, each with a different client;
    each agent's first chat waits for the agent's answer, a few others too."""
    per_agent = -(-CONVERSATIONS // len(agents))
    partners = {agent: rng.sample(range(len(clients)), min(per_agent, len(clients)))
                for agent in range(len(agents))}
    chats = []
    for number in range(CONVERSATIONS):
        agent, turn = number % len(agents), number // len(agents)
        if turn >= len(partners[agent]):
            continue
        client = partners[agent][turn]
        theirs = [i for i, item in enumerate(listings)
                  if item.agent == agent and item.is_active and item.property_type in HOMES]
        listing = rng.choice(theirs) if theirs and rng.random() < ABOUT_A_LISTING else None
        unread = turn == 0 or rng.random() < 0.25
        chats.append(_chat(client, agent, listing,
                           listings[listing] if listing is not None else None,
                           (clients[client], agents[agent]), unread, now, rng))
    return chats
