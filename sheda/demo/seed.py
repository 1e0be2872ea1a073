"""Write the demo Plan to the database: one transaction of bulk inserts.

Demo rows are recognised by their accounts: every demo email ends with ``@demo.sheda.local``.
``--reset`` removes those accounts and what hangs off them (their listings with photos,
amenities, favourites and leads; their sessions, notifications, chats, availability,
viewings and contracts), nothing else.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from tortoise import Tortoise, connections
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from sheda import db
from sheda.appointments.models import Appointment, AvailabilitySlot
from sheda.chat.models import Conversation, Message
from sheda.common.clock import utcnow
from sheda.common.storage import MediaStore
from sheda.config import Settings
from sheda.contracts.models import Contract
from sheda.demo import deals, vocab
from sheda.demo.photos import PhotoPool
from sheda.demo.plan import Plan, make_plan
from sheda.inquiries.models import Inquiry, InquiryNote, InquiryStatus
from sheda.inquiries.service import _TYPE_WORDS as LEAD_WORDS
from sheda.notifications.models import Notification
from sheda.properties.derived import derived_columns
from sheda.properties.models import Favorite, Property, PropertyImage
from sheda.security.passwords import hash_password
from sheda.users.models import AgentProfile, PaymentAccount, User

SUFFIX = "@" + vocab.DOMAIN


class DemoError(Exception):
    """Why seeding stopped, in one line for the operator."""


@dataclass(frozen=True)
class Summary:
    removed_accounts: int
    agents: int
    clients: int
    listings: int
    cities: int
    photos: int
    favourites: int
    inquiries: int
    notes: int
    conversations: int
    messages: int
    viewings: int
    contracts: int
    admin_email: str
    agent_emails: tuple[str, ...]
    client_emails: tuple[str, ...]
    password: str
    media_dir: Path


def demo_users() -> QuerySet[User]:
    # A demo account soft-deleted from the app keeps its address in deleted_email.
    return User.filter(Q(email__endswith=SUFFIX) | Q(deleted_email__endswith=SUFFIX))


async def seed_demo(settings: Settings, *, listings: int, seed: int, reset: bool) -> Summary:
    if settings.is_production:
        raise DemoError("seed-demo refuses SHEDA_ENV=production: demo accounts share a "
                        "published password")
    try:
        await db.init_db(settings)  # SQLite: schema from the models; PostgreSQL: migrations
        await connections.get("default").execute_query("SELECT 1")  # PostgreSQL connects lazily
    except Exception as err:
        with suppress(Exception):  # whatever half-opened, so the process can exit
            await db.close_db()
        raise DemoError(f"cannot open the database: {err}") from None
    try:
        await _check_schema()
        existing = await demo_users().count()
        if existing and not reset:
            raise DemoError(
                f"demo data already exists ({existing} accounts @{vocab.DOMAIN}); "
                "run `sheda seed-demo --reset` to replace it"
            )
        media = MediaStore(settings.media_path)
        if existing:
            await _remove(media)
        plan = make_plan(listings=listings, seed=seed, now=utcnow())
        await _write(plan, media, settings.bcrypt_rounds, PhotoPool(seed))
    finally:
        await db.close_db()
    return Summary(
        removed_accounts=existing,
        agents=len(plan.agents),
        clients=len(plan.clients),
        listings=len(plan.listings),
        cities=len({item.city for item in plan.listings}),
        photos=sum(len(item.photos) for item in plan.listings),
        favourites=len(plan.favourites),
        inquiries=len(plan.leads),
        notes=sum(len(lead.notes) for lead in plan.leads),
        conversations=len(plan.chats),
        messages=sum(len(chat.lines) for chat in plan.chats),
        viewings=len(plan.deals.viewings),
        contracts=len(plan.deals.contracts),
        admin_email=plan.admin.email,
        agent_emails=tuple(person.email for person in plan.agents),
        client_emails=tuple(person.email for person in plan.clients),
        password=vocab.PASSWORD,
        media_dir=media.root,
    )


async def _check_schema() -> None:
    conn = connections.get("default")
    if conn.capabilities.dialect != "postgres":
        return  # SQLite's schema was just created from the models
    rows = await conn.execute_query_dict(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    )
    present = {row["table_name"] for row in rows}
    needed = {
        model._meta.db_table for app in Tortoise.apps.values() for model in app.values()
    } - {"aerich"}
    missing = sorted(needed - present)
    if missing == sorted(needed):
        raise DemoError("the database has no Sheda tables yet; run `sheda migrate` first")
    if missing:
        raise DemoError(f"the database lacks {', '.join(missing)}; run `sheda migrate` first")


async def _remove(media: MediaStore) -> None:
    ids = list(await demo_users().values_list("id", flat=True))
    photos = await PropertyImage.filter(property__agent_id__in=ids).values_list("url", flat=True)
    avatars = await User.filter(id__in=ids).exclude(avatar_url=None).values_list(
        "avatar_url", flat=True)
    try:
        async with in_transaction():
            # Notes demo staff left on anyone's leads, then the listings (their photos,
            # amenities, favourites and leads go with them), then the accounts (sessions,
            # profiles, payment accounts, notifications, favourites and conversations with
            # their messages go with them).
            await InquiryNote.filter(author_id__in=ids).delete()
            await Property.filter(agent_id__in=ids).delete()
            await User.filter(id__in=ids).delete()
    except IntegrityError as err:
        raise DemoError(
            f"other rows still refer to the demo accounts or listings, remove them first ({err})"
        ) from None
    for url in [*photos, *avatars]:
        await media.delete_url(str(url))


async def _write(plan: Plan, media: MediaStore, rounds: int, pool: PhotoPool) -> None:
    password_hash = await hash_password(vocab.PASSWORD, rounds)  # once, for every account
    for listing in plan.listings:  # draw before the transaction holds any lock
        pool.pictures(listing.property_type, listing.listing_type)
    written: list[str] = []
    try:
        async with in_transaction():
            agent_ids, client_ids = await _accounts(plan, password_hash)
            listing_ids = await _listings(plan, agent_ids)
            images = []
            for listing_id, listing in zip(listing_ids, plan.listings, strict=True):
                pictures = pool.pictures(listing.property_type, listing.listing_type)
                for position, picture in enumerate(listing.photos):
                    url = await media.save(f"properties/{listing_id}", "jpg", pictures[picture])
                    written.append(url)
                    images.append(PropertyImage(property_id=listing_id, url=url,
                                                is_primary=position == 0, position=position))
            await PropertyImage.bulk_create(images)
            await Favorite.bulk_create([
                Favorite(user_id=client_ids[client], property_id=listing_ids[index])
                for client, index in plan.favourites
            ])
            await _leads(plan, agent_ids, client_ids, listing_ids)
            await _chats(plan, agent_ids, client_ids, listing_ids)
            await _deals(plan, agent_ids, client_ids, listing_ids)
    except IntegrityError as err:
        await _forget(media, written)
        raise DemoError(f"the demo accounts clash with existing rows ({err})") from None
    except BaseException:
        await _forget(media, written)
        raise


async def _forget(media: MediaStore, urls: list[str]) -> None:
    for url in urls:
        await media.delete_url(url)


async def _accounts(plan: Plan, password_hash: str) -> tuple[list[int], list[int]]:
    joined = utcnow() - timedelta(days=150)
    await User.bulk_create([
        User(email=person.email, username=person.username, fullname=person.fullname,
             phone_number=person.phone_number, password_hash=password_hash,
             location=person.location, bio=person.bio, user_type=person.user_type,
             role=person.role, verified=True, created_at=joined + timedelta(hours=n))
        for n, person in enumerate(plan.people)
    ])
    ids = dict(await User.filter(email__in=[p.email for p in plan.people]).values_list(
        "email", "id"))
    agent_ids = [ids[person.email] for person in plan.agents]
    await AgentProfile.bulk_create([
        AgentProfile(user_id=user_id, agency_name=agency.agency_name,
                     license_number=agency.license_number, rating=agency.rating,
                     kyc_status="verified")
        for user_id, agency in zip(agent_ids, plan.agencies, strict=True)
    ])
    await PaymentAccount.bulk_create([
        PaymentAccount(user_id=user_id, bank_name=agency.bank_name,
                       account_name=agency.agency_name, account_number=agency.account_number)
        for user_id, agency in zip(agent_ids, plan.agencies, strict=True)
    ])
    return agent_ids, [ids[person.email] for person in plan.clients]


async def _listings(plan: Plan, agent_ids: list[int]) -> list[int]:
    await Property.bulk_create([
        Property(
            agent_id=agent_ids[item.agent], title=item.title, description=item.description,
            property_type=item.property_type, listing_type=item.listing_type,
            status=item.status, price=item.price, is_negotiable=item.is_negotiable,
            address=item.address, city=item.city, state=item.state, latitude=item.latitude,
            longitude=item.longitude, bedrooms=item.bedrooms, bathrooms=item.bathrooms,
            area_sqft=item.area_sqft, furnished=item.furnished, is_active=item.is_active,
            amenities=sorted(item.amenities),
            **derived_columns(
                title=item.title, description=item.description, address=item.address,
                city=item.city, state=item.state,
            ),
            created_at=item.created_at,
        )
        for item in plan.listings
    ])
    # The agents are new, so their listings are exactly these, inserted in this order.
    rows = await Property.filter(agent_id__in=agent_ids).order_by("id").values("id")
    listing_ids: list[int] = [row["id"] for row in rows]
    return listing_ids


async def _leads(plan: Plan, agent_ids: list[int], client_ids: list[int],
                 listing_ids: list[int]) -> None:
    await Inquiry.bulk_create([
        Inquiry(property_id=listing_ids[lead.listing],
                user_id=client_ids[lead.client] if lead.client is not None else None,
                full_name=lead.full_name, email=lead.email, phone=lead.phone,
                message=lead.message, inquiry_type=lead.inquiry_type,
                preferred_contact_time=lead.preferred_contact_time, status=lead.status,
                created_at=lead.created_at)
        for lead in plan.leads
    ])
    rows = await Inquiry.filter(property__agent_id__in=agent_ids).order_by("id").values("id")
    lead_ids: list[int] = [row["id"] for row in rows]
    owners = [agent_ids[plan.listings[lead.listing].agent] for lead in plan.leads]
    await InquiryNote.bulk_create([
        InquiryNote(inquiry_id=lead_id, author_id=owner, text=text, created_at=at)
        for lead_id, owner, lead in zip(lead_ids, owners, plan.leads, strict=True)
        for text, at in lead.notes
    ])
    # The agent's "new lead" notifications, read once the lead was worked on.
    await Notification.bulk_create([
        Notification(
            user_id=owner, event="inquiry.created", created_at=lead.created_at,
            read_at=None if lead.status is InquiryStatus.NEW else _later(lead.created_at),
            data={
                "inquiry_id": lead_id,
                "property_id": listing_ids[lead.listing],
                "summary": f"{lead.full_name} sent {LEAD_WORDS[lead.inquiry_type]} about "
                f"“{plan.listings[lead.listing].title}”",
            },
        )
        for lead_id, owner, lead in zip(lead_ids, owners, plan.leads, strict=True)
    ])


async def _chats(plan: Plan, agent_ids: list[int], client_ids: list[int],
                 listing_ids: list[int]) -> None:
    """Conversations stored as the chat service would have left them: last_seq, the last
    activity, the listing and both members' read horizons match the messages."""
    conversations = []
    for chat in plan.chats:
        client, agent = client_ids[chat.client], agent_ids[chat.agent]
        reads = {client: chat.client_read, agent: chat.agent_read}
        low, high = min(client, agent), max(client, agent)
        conversations.append(Conversation(
            user_low_id=low, user_high_id=high, last_seq=len(chat.lines),
            low_read_seq=reads[low], high_read_seq=reads[high],
            property_id=listing_ids[chat.listing] if chat.listing is not None else None,
            last_message_at=chat.lines[-1].created_at, created_at=chat.lines[0].created_at,
        ))
    await Conversation.bulk_create(conversations)
    # The accounts are new, so their conversations are exactly these.
    rows = await Conversation.filter(user_low_id__in=[*agent_ids, *client_ids]).values_list(
        "id", "user_low_id", "user_high_id")
    ids = {(low, high): cid for cid, low, high in rows}
    messages = []
    for chat in plan.chats:
        client, agent = client_ids[chat.client], agent_ids[chat.agent]
        conversation = ids[min(client, agent), max(client, agent)]
        listing = listing_ids[chat.listing] if chat.listing is not None else None
        for seq, line in enumerate(chat.lines, start=1):
            sender, receiver = (client, agent) if line.from_client else (agent, client)
            messages.append(Message(
                conversation_id=conversation, seq=seq, sender_id=sender, receiver_id=receiver,
                body=line.text, property_id=listing if line.about_listing else None,
                client_id=None, created_at=line.created_at, read_at=line.read_at,
            ))
    await Message.bulk_create(messages)


async def _deals(plan: Plan, agent_ids: list[int], client_ids: list[int],
                 listing_ids: list[int]) -> None:
    """Availability, viewings and contracts, stored as the services would have left them
    (the database's overlap and one-open-contract rules check them on the way in)."""
    await AvailabilitySlot.bulk_create([
        AvailabilitySlot(agent_id=agent, weekday=day, start_minute=start, end_minute=end)
        for agent in agent_ids for day, start, end in deals.SLOTS
    ])
    viewing_ids = []
    for viewing in plan.deals.viewings:  # one by one: the contracts need their ids
        agent = agent_ids[plan.listings[viewing.listing].agent]
        row = await Appointment.create(
            property_id=listing_ids[viewing.listing], client_id=client_ids[viewing.client],
            agent_id=agent, scheduled_at=viewing.at,
            ends_at=viewing.at + timedelta(minutes=deals.MINUTES),
            duration_minutes=deals.MINUTES, status=viewing.status, note=viewing.note,
            reject_reason=viewing.reject_reason,
            created_at=min(viewing.at, utcnow()) - timedelta(days=2),
        )
        viewing_ids.append(row.id)
    contracts = []
    for deal in plan.deals.contracts:
        viewing = plan.deals.viewings[deal.viewing]
        listing = plan.listings[viewing.listing]
        contracts.append(Contract(
            property_id=listing_ids[viewing.listing], client_id=client_ids[viewing.client],
            agent_id=agent_ids[listing.agent], appointment_id=viewing_ids[deal.viewing],
            contract_type=listing.listing_type, amount=deal.amount,
            rental_period_months=deal.months, start_date=deal.start, end_date=deal.end,
            status=deal.status, payment_reference=deal.payment_reference,
            created_at=deal.created_at,
        ))
    await Contract.bulk_create(contracts)


def _later(moment: datetime) -> datetime:
    return min(utcnow(), moment + timedelta(hours=1))
