"""Reading Prometheus text the way Prometheus does (prometheus-client's own parser)."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

Labels = dict[str, str]


def samples(text: str) -> list[tuple[str, Labels, float]]:
    return [
        (sample.name, dict(sample.labels), sample.value)
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    ]


def value(text: str, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels`` (0 when none)."""
    return sum(
        v
        for sample_name, sample_labels, v in samples(text)
        if sample_name == name and all(sample_labels.get(k) == want for k, want in labels.items())
    )


def label_sets(text: str, name: str) -> list[Labels]:
    return [labels for sample_name, labels, _ in samples(text) if sample_name == name]


async def scrape(http: httpx.AsyncClient, **headers: str) -> str:
    response = await http.get("/metrics", headers=headers or None)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text
