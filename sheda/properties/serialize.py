"""Properties → output schemas, with the images of a whole page loaded in one query (never
one per row); amenities are a column of the listing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sheda.common import jsontext
from sheda.properties.models import Property, PropertyImage
from sheda.properties.schemas import ImageOut, PropertyOut


def image_out(image: PropertyImage) -> ImageOut:
    return ImageOut.model_validate(image)


async def properties_out(rows: Sequence[Property]) -> list[PropertyOut]:
    if not rows:
        return []
    ids = [row.id for row in rows]
    images: dict[int, list[ImageOut]] = defaultdict(list)
    for image in await PropertyImage.filter(property_id__in=ids).order_by("position", "id"):
        images[image.property_id].append(image_out(image))
    return [_out(row, images[row.id]) for row in rows]


async def property_out(row: Property) -> PropertyOut:
    return (await properties_out([row]))[0]


def _out(row: Property, images: list[ImageOut]) -> PropertyOut:
    return PropertyOut.from_row(row, images=images)


def page_row_out(row: Mapping[str, Any]) -> PropertyOut:
    """A row of the search statement (sheda/properties/search_sql.py): every output column,
    images as a JSON array; JSON arrives as text from both drivers."""
    data = dict(row)
    for name in ("images", "amenities"):
        if isinstance(data[name], str):
            data[name] = jsontext.loads(data[name])
    return PropertyOut.model_validate(data)
