"""Listing photos: checked by content, re-encoded without metadata, at most 10 per request
and 30 per listing. The first photo of a listing becomes its primary one."""

from __future__ import annotations

from tortoise.functions import Max
from tortoise.transactions import in_transaction

from sheda.common.images import clean_image
from sheda.common.storage import MediaStore
from sheda.errors import Conflict, FieldError, NotFound
from sheda.properties.models import Property, PropertyImage
from sheda.properties.policy import owned_property
from sheda.properties.schemas import ImageOut
from sheda.properties.serialize import image_out
from sheda.users.principal import Principal

MAX_PER_REQUEST = 10
MAX_PER_PROPERTY = 30


async def add_images(
    *, caller: Principal, property_id: int, files: list[bytes], media: MediaStore
) -> list[ImageOut]:
    row = await owned_property(property_id=property_id, caller=caller)
    if not 1 <= len(files) <= MAX_PER_REQUEST:
        raise FieldError.one("body.files", f"Send 1 to {MAX_PER_REQUEST} images as 'files'")
    # Every file is checked before any is stored: one bad file stores nothing.
    cleaned = [
        await clean_image(data, field=f"body.files.{index}") for index, data in enumerate(files)
    ]
    urls = [
        await media.save(f"properties/{row.id}", image.extension, image.data) for image in cleaned
    ]
    try:
        async with in_transaction():
            # Row lock (PostgreSQL): two concurrent uploads cannot both pass the cap.
            await Property.filter(id=row.id).select_for_update().first()
            existing = await PropertyImage.filter(property_id=row.id).count()
            if existing + len(urls) > MAX_PER_PROPERTY:
                raise Conflict(
                    f"A listing has at most {MAX_PER_PROPERTY} images; it has {existing}"
                )
            stats = (
                await PropertyImage.filter(property_id=row.id)
                .annotate(last=Max("position"))
                .values("last")
            )[0]
            start = (stats["last"] + 1) if stats["last"] is not None else 0
            created = [
                await PropertyImage.create(
                    property_id=row.id,
                    url=url,
                    is_primary=existing == 0 and index == 0,
                    position=start + index,
                )
                for index, url in enumerate(urls)
            ]
    except BaseException:
        for url in urls:
            await media.delete_url(url)
        raise
    return [image_out(image) for image in created]


async def delete_image(
    *, caller: Principal, property_id: int, image_id: int, media: MediaStore
) -> None:
    row = await owned_property(property_id=property_id, caller=caller)
    image = await PropertyImage.get_or_none(id=image_id, property_id=row.id)
    if image is None:
        raise NotFound("No such image on this listing")
    async with in_transaction():
        await image.delete()
        if image.is_primary:
            successor = (
                await PropertyImage.filter(property_id=row.id).order_by("position", "id").first()
            )
            if successor is not None:
                await PropertyImage.filter(id=successor.id).update(is_primary=True)
    await media.delete_url(image.url)
