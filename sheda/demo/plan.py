"""What the demo database will hold, decided from one seed before anything is written, so
the same ``--seed`` gives the same accounts, listings, favourites, leads and chats."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sheda.demo import vocab
from sheda.demo.chats import Chat, make_chats
from sheda.demo.deals import Deals, make_deals
from sheda.inquiries.models import InquiryStatus, InquiryType
from sheda.properties.models import ListingType, PropertyStatus, PropertyType
from sheda.users.models import Role, UserType

TWO_PLACES = Decimal("0.01")
LISTING_DAYS = 120  # listings were put up over the last four months


@dataclass(frozen=True)
class Person:
    email: str
    username: str
    fullname: str
    phone_number: str
    location: str
    user_type: UserType
    role: Role = Role.USER
    bio: str | None = None


@dataclass(frozen=True)
class Agency:
    agency_name: str
    license_number: str
    rating: Decimal
    bank_name: str
    account_number: str


@dataclass
class Listing:
    agent: int  # index into Plan.agents
    title: str
    description: str
    property_type: PropertyType
    listing_type: ListingType
    status: PropertyStatus
    price: Decimal
    is_negotiable: bool
    address: str
    city: str
    state: str
    latitude: Decimal
    longitude: Decimal
    bedrooms: int
    bathrooms: int
    area_sqft: int | None
    furnished: bool
    amenities: list[str]
    is_active: bool
    created_at: datetime
    photos: list[int]  # which pictures of the pool, in order; the first is primary


@dataclass
class Lead:
    listing: int  # index into Plan.listings
    client: int | None  # index into Plan.clients; None for an anonymous visitor
    full_name: str
    email: str
    phone: str | None
    message: str
    inquiry_type: InquiryType
    preferred_contact_time: str | None
    status: InquiryStatus
    created_at: datetime
    notes: list[tuple[str, datetime]] = field(default_factory=list)


@dataclass
class Plan:
    admin: Person
    agents: list[Person]
    agencies: list[Agency]
    clients: list[Person]
    listings: list[Listing]
    favourites: list[tuple[int, int]]  # (client index, listing index)
    leads: list[Lead]
    chats: list[Chat] = field(default_factory=list)
    deals: Deals = field(default_factory=lambda: Deals(viewings=[], contracts=[]))

    @property
    def people(self) -> list[Person]:
        return [self.admin, *self.agents, *self.clients]


def _phone(rng: random.Random) -> str:
    return f"+234{rng.choice('789')}{rng.choice('01')}{rng.randrange(10**8):08d}"


def _place(city: str) -> vocab.Place:
    return next(place for place in vocab.PLACES if place.city == city)


def _person(first: str, last: str, email: str, user_type: UserType, place: vocab.Place,
            rng: random.Random, bio: str | None = None) -> Person:
    return Person(
        email=email,
        username=f"demo.{first}.{last}".lower(),
        fullname=f"{first} {last}",
        phone_number=_phone(rng),
        location=f"{place.city}, {place.state}",
        user_type=user_type,
        bio=bio,
    )


def _people(rng: random.Random) -> tuple[Person, list[Person], list[Agency], list[Person]]:
    admin = Person(email=f"admin@{vocab.DOMAIN}", username="demo.admin", fullname="Demo Admin",
                   phone_number=_phone(rng), location="Lagos", user_type=UserType.CLIENT,
                   role=Role.ADMIN)
    agents, agencies = [], []
    for n, (first, last, agency, city) in enumerate(vocab.AGENTS, start=1):
        bio = f"Agent at {agency}. Verified listings, honest prices."
        agents.append(_person(first, last, f"agent{n}@{vocab.DOMAIN}", UserType.AGENT,
                              _place(city), rng, bio=bio))
        agencies.append(Agency(
            agency_name=agency,
            license_number=f"NIESV/{rng.randrange(1000, 9999)}/{rng.choice('ABCDE')}",
            rating=Decimal(rng.randrange(350, 500)) / 100,
            bank_name=rng.choice(vocab.BANKS),
            account_number=f"{rng.randrange(10**10):010d}",
        ))
    clients = [
        _person(first, last, f"client{n}@{vocab.DOMAIN}", UserType.CLIENT,
                rng.choice(vocab.PLACES), rng)
        for n, (first, last) in enumerate(vocab.CLIENTS, start=1)
    ]
    return admin, agents, agencies, clients


def _agent_for(place: vocab.Place, rng: random.Random) -> int:
    """Mostly an agent based in the listing's state, else any of them."""
    local = [i for i, agent in enumerate(vocab.AGENTS) if _place(agent[3]).state == place.state]
    if local and rng.random() < 0.75:
        return rng.choice(local)
    return rng.randrange(len(vocab.AGENTS))


def _round(amount: float, step: int) -> Decimal:
    return Decimal(max(step, round(amount / step) * step)).quantize(TWO_PLACES)


def _price(kind: PropertyType, listing: ListingType, bedrooms: int, area: int | None,
           place: vocab.Place, rng: random.Random) -> Decimal:
    """Rent per month, sale in total; rounded the way agents quote them."""
    spread = place.price_factor * rng.uniform(0.75, 1.35)
    rent = listing is ListingType.RENT
    if kind is PropertyType.LAND:
        plots = (area or vocab.PLOT_SQFT) / vocab.PLOT_SQFT
        per_plot = vocab.LAND_RENT_PER_PLOT if rent else vocab.LAND_SALE_PER_PLOT
        amount = plots * per_plot * spread
    elif kind is PropertyType.COMMERCIAL:
        per_sqft = vocab.COMMERCIAL_RENT_PER_SQFT if rent else vocab.COMMERCIAL_SALE_PER_SQFT
        amount = (area or 1000) * per_sqft * spread
    else:
        table = vocab.RENT_BY_BEDROOMS if rent else vocab.SALE_BY_BEDROOMS
        amount = table[kind][bedrooms] * spread
    return _round(amount, 5_000 if rent else 500_000)


def _shape(kind: PropertyType, rng: random.Random) -> tuple[int, int, int, str]:
    """bedrooms, bathrooms, area in sq ft, and the words for the title."""
    if kind is PropertyType.APARTMENT:
        beds = rng.choice((1, 2, 2, 3, 3, 4))
        if beds == 1 and rng.random() < 0.5:
            words = "mini flat"
        elif beds == 4 and rng.random() < 0.3:
            words = "4-bedroom penthouse"
        else:
            words = f"{beds}-bedroom {rng.choice(vocab.APARTMENT_WORDS)}"
        return beds, beds + rng.choice((0, 1)), 450 + beds * 350 + rng.randrange(200), words
    if kind is PropertyType.HOUSE:
        beds = rng.choice((2, 3, 3, 4, 4, 5, 6))
        word = rng.choice(vocab.HOUSE_WORDS[:2] if beds <= 3 else vocab.HOUSE_WORDS[2:])
        words = f"{beds}-bedroom {word}" + (" with BQ" if beds >= 4 else "")
        return beds, beds + rng.choice((0, 1)), 1200 + beds * 500 + rng.randrange(400), words
    if kind is PropertyType.LAND:
        plots = rng.choice((1, 1, 1, 2, 2, 3, 4))
        paper = rng.choice(vocab.LAND_TITLES)
        words = f"{plots} plot{'s' if plots > 1 else ''} of dry land with {paper}"
        return 0, 0, plots * vocab.PLOT_SQFT, words
    if kind is PropertyType.SHORTLET:
        beds = rng.choice((1, 1, 2, 2, 3))
        return beds, beds, 500 + beds * 350, f"{beds}-bedroom shortlet apartment"
    if kind is PropertyType.SHARED_APARTMENT:
        return 1, 1, 150 + rng.randrange(100), "room in a shared flat"
    area = rng.choice((400, 800, 1200, 2500, 5000, 12000))
    return 0, rng.randint(1, 6), area, f"{rng.choice(vocab.COMMERCIAL_WORDS)} ({area:,} sq ft)"


def _description(kind: PropertyType, place: vocab.Place, area_name: str, shape: tuple[int, int,
                 int, str], furnished: bool, amenities: list[str], terms: str) -> str:
    beds, baths, sqft, _ = shape
    what = kind.value.replace("_", " ").capitalize()
    text = f"{what} in {area_name}, {place.city}, {place.state}."
    if beds:
        text += f" {beds} bedroom{'s' if beds > 1 else ''}, {baths} bathroom"
        text += f"{'s' if baths != 1 else ''}{', fully furnished' if furnished else ''}."
    text += f" About {sqft:,} sq ft."
    if amenities:
        text += f" Features: {', '.join(amenities)}."
    return f"{text} {terms}"


def _listing(kind: PropertyType, listing: ListingType, created_at: datetime,
             rng: random.Random) -> Listing:
    place = rng.choices(vocab.PLACES, weights=[p.weight for p in vocab.PLACES])[0]
    area_name = rng.choice(place.areas)
    shape = _shape(kind, rng)
    beds, baths, sqft, words = shape
    rent = listing is ListingType.RENT
    furnished = kind is PropertyType.SHORTLET or (
        kind not in {PropertyType.LAND, PropertyType.COMMERCIAL} and rng.random() < 0.3)
    adjective = "Furnished" if furnished and rng.random() < 0.5 else rng.choice(vocab.ADJECTIVES)
    if kind is PropertyType.LAND:
        adjective = rng.choice(("Prime", "Fenced", "Corner-piece", "Well-located"))
    choices = vocab.AMENITIES_BY_TYPE[kind]
    amenities = sorted(rng.sample(choices, rng.randint(1, min(8, len(choices)))))
    status = PropertyStatus.AVAILABLE
    if rng.random() < 0.1:
        status = PropertyStatus.RENTED if rent else PropertyStatus.SOLD
    if not rent:
        terms = rng.choice(vocab.SALE_TERMS).format(title=rng.choice(vocab.LAND_TITLES))
    else:
        terms = vocab.LEASE_TERMS if kind is PropertyType.LAND else rng.choice(vocab.RENT_TERMS)
    return Listing(
        agent=_agent_for(place, rng),
        title=f"{adjective} {words} for {'rent' if rent else 'sale'} in {area_name}",
        description=_description(kind, place, area_name, shape, furnished, amenities, terms),
        property_type=kind,
        listing_type=listing,
        status=status,
        price=_price(kind, listing, beds, sqft, place, rng),
        is_negotiable=rng.random() < 0.4,
        address=f"{rng.randint(1, 120)} {rng.choice(place.streets)}, {area_name}",
        city=place.city,
        state=place.state,
        latitude=Decimal(f"{place.latitude + rng.uniform(-0.03, 0.03):.6f}"),
        longitude=Decimal(f"{place.longitude + rng.uniform(-0.03, 0.03):.6f}"),
        bedrooms=beds,
        bathrooms=baths,
        area_sqft=sqft,
        furnished=furnished,
        amenities=amenities,
        is_active=rng.random() >= 0.03,  # a few hidden by moderation
        created_at=created_at,
        photos=rng.sample(range(vocab.PHOTO_VARIANTS), rng.randint(1, vocab.PHOTO_VARIANTS)),
    )


def _kinds(count: int, rng: random.Random) -> list[tuple[PropertyType, ListingType]]:
    """Every sensible (property type, listing type) once, then by TYPE_WEIGHTS."""
    first = list(vocab.COMBINATIONS)
    rng.shuffle(first)
    kinds = list(vocab.TYPE_WEIGHTS)
    weights = [weight for weight, _ in vocab.TYPE_WEIGHTS.values()]
    rest = []
    for _ in range(max(0, count - len(first))):
        kind = rng.choices(kinds, weights=weights)[0]
        rent = rng.random() < vocab.TYPE_WEIGHTS[kind][1]
        rest.append((kind, ListingType.RENT if rent else ListingType.SALE))
    return (first + rest)[:count]


def _leads(listings: list[Listing], clients: list[Person], now: datetime,
           rng: random.Random) -> list[Lead]:
    open_ones = [i for i, item in enumerate(listings) if item.is_active]
    statuses = list(InquiryStatus)
    leads = []
    for number in range(max(len(statuses), len(listings) // 8) if open_ones else 0):
        index = rng.choice(open_ones)
        client = rng.randrange(len(clients)) if rng.random() < 0.6 else None
        phone: str | None
        if client is not None:
            who = clients[client]
            name, email, phone = who.fullname, who.email, who.phone_number
        else:
            first, last = rng.choice(vocab.VISITORS)
            name, email = f"{first} {last}", f"{first}.{last}@example.com".lower()
            phone = _phone(rng) if rng.random() < 0.7 else None
        kind = rng.choice(list(InquiryType))
        start = listings[index].created_at
        created = start + (now - start) * rng.uniform(0.1, 0.8)
        # Every stage of the pipeline once, then mostly fresh leads.
        status = statuses[number] if number < len(statuses) else rng.choices(
            statuses, weights=(45, 25, 12, 8, 10))[0]
        notes = [
            (rng.choice(vocab.NOTES), min(now, created + timedelta(hours=4 + 20 * step)))
            for step in range(0 if status is InquiryStatus.NEW else rng.randint(1, 2))
        ]
        leads.append(Lead(
            listing=index, client=client, full_name=name, email=email, phone=phone,
            message=rng.choice(vocab.LEAD_MESSAGES[kind.value]), inquiry_type=kind,
            preferred_contact_time=rng.choice((*vocab.CONTACT_TIMES, None)),
            status=status, created_at=created, notes=notes,
        ))
    leads.sort(key=lambda lead: lead.created_at)  # ids grow with time, as for real leads
    return leads


def make_plan(*, listings: int, seed: int, now: datetime) -> Plan:
    rng = random.Random(seed)  # noqa: S311 - repeatable demo data, not a secret
    admin, agents, agencies, clients = _people(rng)
    # Oldest first, so ids grow with created_at as they do for real listings.
    days_ago = sorted((rng.uniform(0, LISTING_DAYS) for _ in range(listings)), reverse=True)
    rows = [
        _listing(kind, listing, now - timedelta(days=days), rng)
        for (kind, listing), days in zip(_kinds(listings, rng), days_ago, strict=True)
    ]
    visible = [i for i, item in enumerate(rows) if item.is_active]
    favourites = [
        (client, index)
        for client in range(len(clients))
        for index in rng.sample(visible, min(len(visible), rng.randint(2, 8)))
    ]
    leads = _leads(rows, clients, now, rng)
    # Drawn last, so that the chats leave the rest of a seed's data as it was.
    chats = make_chats(agents=agents, clients=clients, listings=rows, now=now, rng=rng)
    # After the chats, for the same reason; it marks the listings of deals under way pending.
    deals = make_deals(agents=agents, clients=clients, listings=rows, now=now, rng=rng)
    return Plan(admin=admin, agents=agents, agencies=agencies, clients=clients, listings=rows,
                favourites=favourites, leads=leads, chats=chats, deals=deals)
