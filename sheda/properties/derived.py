"""Columns derived from what an agent typed, kept in step on every write.

They exist for the queries: ``search_text`` feeds text search (one pg_trgm index), and the
``*_key`` columns make city/state matching case-insensitive for every alphabet with a plain
equality, which an index answers on PostgreSQL and SQLite alike (SQLite's UPPER() only
knows ASCII, so ``iexact`` missed "Ìbàdàn" there)."""

from __future__ import annotations


def place_key(value: str) -> str:
    return " ".join(value.split()).casefold()


def search_text(title: str, description: str, address: str) -> str:
    return f"{title} {description} {address}".lower()


def derived_columns(
    *, title: str, description: str, address: str, city: str, state: str
) -> dict[str, str]:
    return {
        "search_text": search_text(title, description, address),
        "city_key": place_key(city),
        "state_key": place_key(state),
    }
