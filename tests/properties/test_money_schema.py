"""The document's rule for money strings is the server's rule: every string the published
pattern allows is accepted, and every string it forbids is refused (a generated client
validates with the pattern; schemathesis found "0" allowed by it and refused by the API)."""

from __future__ import annotations

import itertools
import random
import re

import pytest
from pydantic import TypeAdapter, ValidationError

from sheda.properties.schemas import GuidedSearchIn, Money, Price, PropertyCreate


def _string_pattern(model: type, field: str) -> str:
    schema = model.model_json_schema()["properties"][field]
    branches = schema.get("anyOf", [schema])
    # Optional fields nest the money schema one level down, next to {"type": "null"}.
    flat = [inner for branch in branches for inner in branch.get("anyOf", [branch])]
    (pattern,) = [branch["pattern"] for branch in flat if branch.get("type") == "string"]
    return pattern


def _candidates() -> set[str]:
    found = {"".join(chars) for n in range(1, 7) for chars in itertools.product("01.5 ", repeat=n)}
    rng = random.Random(20261207)
    for _ in range(30_000):
        found.add("".join(rng.choice("0123456789. e+-") for _ in range(rng.randint(1, 17))))
        found.add("".join(rng.choice("0123456789.") for _ in range(rng.randint(10, 20))))
    return found | {"999999999999.99", "1000000000000", "5.000", "NaN", "Infinity", "-0"}


CANDIDATES = sorted(_candidates())


@pytest.mark.parametrize(
    ("model", "field", "kind"),
    [(PropertyCreate, "price", Price), (GuidedSearchIn, "budget_min", Money)],
)
def test_money_pattern_matches_what_the_validation_accepts(
    model: type, field: str, kind: object
) -> None:
    pattern = re.compile(_string_pattern(model, field))
    validator: TypeAdapter[object] = TypeAdapter(kind)
    disagreements = []
    for text in CANDIDATES:
        try:
            validator.validate_python(text)
            accepted = True
        except ValidationError:
            accepted = False
        if accepted != bool(pattern.match(text)):
            disagreements.append((text, accepted))
    assert not disagreements, disagreements[:20]
