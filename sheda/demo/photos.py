"""Listing photos for the demo: small real JPEGs drawn with Pillow.

Drawing and encoding is the slow part, so a few pictures are made per (property type,
listing type) and their bytes reused; each listing still gets its own files (a listing's
photos are deleted with it, so files are never shared between listings).
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageFont, ImageOps

from sheda.demo.vocab import PHOTO_VARIANTS as VARIANTS
from sheda.properties.models import ListingType, PropertyType

WIDTH, HEIGHT = 640, 480
_SKIES = [((40, 90, 170), (170, 210, 240)), ((240, 130, 60), (250, 215, 150)),
          ((60, 120, 190), (220, 235, 250)), ((90, 70, 150), (235, 170, 120))]
_WALLS = [(236, 226, 208), (214, 190, 160), (190, 205, 215), (245, 245, 240), (200, 170, 140),
          (170, 190, 170)]
_ROOFS = [(150, 60, 50), (80, 80, 90), (120, 70, 40), (60, 90, 120)]
_GROUND = [(95, 140, 70), (120, 150, 80), (160, 140, 100)]
_LABELS = {
    PropertyType.APARTMENT: "Apartment",
    PropertyType.HOUSE: "House",
    PropertyType.LAND: "Land",
    PropertyType.SHORTLET: "Shortlet apartment",
    PropertyType.SHARED_APARTMENT: "Room in a shared apartment",
    PropertyType.COMMERCIAL: "Commercial space",
}


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: the small bitmap font
        return ImageFont.load_default()


def _backdrop(rng: random.Random) -> Image.Image:
    top, bottom = rng.choice(_SKIES)
    gradient = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    image = ImageOps.colorize(gradient, black=top, white=bottom).convert("RGB")
    ground = rng.choice(_GROUND)
    ImageDraw.Draw(image).rectangle((0, 330, WIDTH, HEIGHT), fill=ground)
    return image


def _windows(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], rows: int,
             cols: int, rng: random.Random) -> None:
    left, top, right, bottom = box
    cell_w, cell_h = (right - left) / cols, (bottom - top) / rows
    glass = rng.choice([(120, 170, 210), (250, 230, 150), (90, 120, 150)])
    for row in range(rows):
        for col in range(cols):
            x, y = left + col * cell_w, top + row * cell_h
            draw.rectangle((x + cell_w * 0.2, y + cell_h * 0.2, x + cell_w * 0.8,
                            y + cell_h * 0.75), fill=glass, outline=(60, 60, 60))


def _house(draw: ImageDraw.ImageDraw, rng: random.Random, floors: int) -> None:
    left = rng.randint(110, 200)
    right = left + rng.randint(260, 340)
    top = 330 - 75 * floors
    draw.rectangle((left, top, right, 335), fill=rng.choice(_WALLS), outline=(70, 60, 50))
    draw.polygon([(left - 25, top), ((left + right) // 2, top - 80), (right + 25, top)],
                 fill=rng.choice(_ROOFS))
    _windows(draw, (left + 15, top + 10, right - 15, 280), floors, 4, rng)
    door = (left + right) // 2
    draw.rectangle((door - 20, 285, door + 20, 335), fill=(110, 70, 40))


def _tower(draw: ImageDraw.ImageDraw, rng: random.Random, floors: int) -> None:
    left = rng.randint(150, 240)
    right = left + rng.randint(200, 260)
    top = 330 - 32 * floors
    draw.rectangle((left, top, right, 335), fill=rng.choice(_WALLS), outline=(70, 70, 70))
    _windows(draw, (left + 10, top + 10, right - 10, 325), floors, 5, rng)


def _plot(draw: ImageDraw.ImageDraw, rng: random.Random, sign_text: str) -> None:
    fence = (120, 100, 80)
    for x in range(30, WIDTH, 45):
        draw.rectangle((x, 300, x + 6, 350), fill=fence)
    draw.line((30, 315, WIDTH - 30, 315), fill=fence, width=4)
    sign = rng.randint(380, 480)
    draw.rectangle((sign, 230, sign + 120, 290), fill=(250, 250, 245), outline=(60, 60, 60))
    draw.rectangle((sign + 55, 290, sign + 65, 335), fill=fence)
    draw.text((sign + 12, 248), sign_text, fill=(170, 30, 30), font=_font(20))


def _caption(image: Image.Image, title: str, subtitle: str) -> None:
    draw = ImageDraw.Draw(image, "RGBA")
    draw.rectangle((0, 392, WIDTH, HEIGHT), fill=(20, 20, 28, 190))
    draw.text((24, 402), title, fill=(255, 255, 255), font=_font(30))
    draw.text((24, 442), subtitle, fill=(210, 210, 210), font=_font(18))


def render(property_type: PropertyType, listing_type: ListingType, variant: int,
           rng: random.Random) -> bytes:
    image = _backdrop(rng)
    draw = ImageDraw.Draw(image)
    if property_type is PropertyType.LAND:
        _plot(draw, rng, "FOR SALE" if listing_type is ListingType.SALE else "TO LET")
    elif property_type is PropertyType.COMMERCIAL:
        _tower(draw, rng, rng.randint(5, 9))
    elif property_type is PropertyType.HOUSE:
        _house(draw, rng, rng.randint(1, 2))
    else:
        _tower(draw, rng, rng.randint(3, 7))
    title = f"{_LABELS[property_type]} for {listing_type.value}"
    _caption(image, title, f"Sheda demo photo {variant + 1} of {VARIANTS}")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()


class PhotoPool:
    """Pictures made on first use, VARIANTS per (property type, listing type)."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._made: dict[tuple[PropertyType, ListingType], list[bytes]] = {}

    def pictures(self, property_type: PropertyType, listing_type: ListingType) -> list[bytes]:
        key = (property_type, listing_type)
        if key not in self._made:
            key_text = f"{self._seed}:{property_type.value}:{listing_type.value}"
            rng = random.Random(key_text)  # noqa: S311 - repeatable pictures, not a secret
            self._made[key] = [
                render(property_type, listing_type, variant, rng) for variant in range(VARIANTS)
            ]
        return self._made[key]
