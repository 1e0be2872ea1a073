"""Random listing searches (``GET /api/v1/properties?…``) as a frontend sends them: a few
filters at a time out of city, property_type, listing_type, min/max price, min_bedrooms,
q, amenities and sort. The same seed gives the same list."""

from __future__ import annotations

import random
from urllib.parse import urlencode

from sheda.demo import vocab
from sheda.properties.models import ListingType, PropertyType

BASE = "/api/v1/properties"
# Search words from common ("lekki") to rare ("banana island"), as people type them.
WORDS = ("lekki", "duplex", "serviced", "penthouse", "maitama", "bodija", "banana island",
         "gra", "plot", "shop", "furnished", "borehole", "wuse", "trans amadi", "mini flat",
         "warehouse", "ikoyi", "terrace")
PRICES = {  # (minimums, maximums) in naira
    "rent": ((50_000, 100_000, 200_000, 500_000), (300_000, 600_000, 1_000_000, 3_000_000)),
    "sale": ((10_000_000, 30_000_000, 60_000_000, 100_000_000),
             (50_000_000, 100_000_000, 250_000_000, 500_000_000)),
    None: ((100_000, 1_000_000, 20_000_000), (500_000, 50_000_000, 200_000_000)),
}


def one_path(rng: random.Random) -> str:
    params: dict[str, str] = {}
    if rng.random() < 0.5:
        city = rng.choice(vocab.PLACES).city
        params["city"] = rng.choice((city, city.lower(), city.upper()))
    if rng.random() < 0.4:
        params["property_type"] = rng.choice(list(PropertyType)).value
    listing = rng.choice(list(ListingType)).value if rng.random() < 0.5 else None
    if listing:
        params["listing_type"] = listing
    minimums, maximums = PRICES[listing]
    low = rng.choice(minimums) if rng.random() < 0.25 else None
    high = rng.choice(maximums) if rng.random() < 0.25 else None
    if low is not None:
        params["min_price"] = str(low)
    if high is not None and (low is None or high >= low):
        params["max_price"] = str(high)
    if rng.random() < 0.25:
        params["min_bedrooms"] = str(rng.randint(1, 4))
    if rng.random() < 0.2:
        params["q"] = rng.choice(WORDS)
    if rng.random() < 0.2:
        params["amenities"] = ",".join(rng.sample(vocab.AMENITIES, rng.randint(1, 2)))
    if rng.random() < 0.5:
        params["sort"] = rng.choice(("newest", "price_asc", "price_desc"))
    return f"{BASE}?{urlencode(params)}" if params else BASE


def make_paths(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [one_path(rng) for _ in range(count)]
