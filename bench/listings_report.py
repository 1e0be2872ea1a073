"""The listings benchmark's figures as a terminal table and as the listings section of
docs/benchmarks.md (rewritten between its markers; the rest of the file is kept)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.harness import replace_section

START = "<!-- listings:start -->"
END = "<!-- listings:end -->"


@dataclass
class Report:
    date: str
    command: str
    machine: dict[str, str]
    versions: dict[str, str]
    data: dict[str, Any]
    load: dict[str, Any]
    runs: dict[str, dict[str, list[dict[str, Any]]]]  # mix → server → wrk result per round
    labels: dict[str, str]
    checks: dict[str, int]
    plans: list[dict[str, Any]] = field(default_factory=list)
    queries: dict[str, Any] = field(default_factory=dict)


def mean(results: list[dict[str, Any]], key: str) -> float:
    return sum(float(r[key]) for r in results) / len(results)


def _ms(us: float) -> str:
    return f"{us / 1000:.1f} ms"


def _row(label: str, result: dict[str, Any]) -> str:
    return (
        f"| {label} | {result['rps']:,.0f} | {_ms(result['p50_us'])} | {_ms(result['p90_us'])} "
        f"| {_ms(result['p99_us'])} | {result['non2xx']} | {result['socket_errors']} |"
    )


def averaged(results: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("rps", "p50_us", "p90_us", "p99_us")
    out: dict[str, Any] = {key: mean(results, key) for key in keys}
    out["non2xx"] = sum(int(r["non2xx"]) for r in results)
    out["socket_errors"] = sum(int(r["socket_errors"]) for r in results)
    return out


def ratios(report: Report, mix: str) -> dict[str, float]:
    runs = report.runs[mix]
    sheda, ceiling = averaged(runs["sheda"]), averaged(runs["raw"])
    return {
        "throughput": sheda["rps"] / ceiling["rps"],
        "p50": sheda["p50_us"] / ceiling["p50_us"],
        "p99": sheda["p99_us"] / ceiling["p99_us"],
    }


def table(report: Report, mix: str) -> str:
    lines = [
        "| server (2 workers each) | requests/s | p50 | p90 | p99 | non-2xx | socket errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    runs = report.runs[mix]
    rounds = len(runs["sheda"])
    for name in ("sheda", "raw"):
        label = report.labels[name]
        if rounds > 1:
            for number, result in enumerate(runs[name], start=1):
                lines.append(_row(f"{label}, round {number}", result))
        lines.append(_row(f"**{label}**" + (f", mean of {rounds}" if rounds > 1 else ""),
                          averaged(runs[name])))
    r = ratios(report, mix)
    lines.append(
        f"| **Sheda / ceiling** | **{r['throughput']:.0%}** | {r['p50']:.2f}x | | "
        f"{r['p99']:.2f}x | | |"
    )
    return "\n".join(lines)


def _queries(report: Report) -> str:
    q = report.queries
    if not q:
        return ""
    slowest = "\n".join(f"  - {ms} ms `{path}`" for ms, path in q["slowest"])
    return (
        "### Where the time goes\n\n"
        f"The page query of each of the {q['count']:,} searches, run alone through asyncpg "
        "(no HTTP, one at a time): "
        f"mean {q['mean']:.1f} ms, p50 {q['p50']:.1f} ms, p90 {q['p90']:.1f} ms, "
        f"p99 {q['p99']:.1f} ms, max {q['max']:.1f} ms; {q['over_10ms']:.0%} of the searches "
        "take over 10 ms (one run each, right after seeding; the search-scale section below "
        "times each three times). "
        f"Slowest:\n\n{slowest}\n"
    )


def _plans(report: Report) -> str:
    if not report.plans:
        return ""
    lines = [
        "### Query plans",
        "",
        "`EXPLAIN ANALYZE` of the page query (one statement per request) "
        "for representative searches, on the same database after the load:",
        "",
        "| search | execution | access path |",
        "|---|---:|---|",
    ]
    for plan in report.plans:
        lines.append(f"| `{plan['path']}` | {plan['ms']:.2f} ms | {plan['access']} |")
    lines += ["", "<details><summary>Full plans</summary>", "", "```text"]
    for plan in report.plans:
        lines += [f"-- {plan['path']}", *plan["lines"], ""]
    lines += ["```", "", "</details>"]
    return "\n".join(lines)


def section(report: Report) -> str:
    m, v, d, load = report.machine, report.versions, report.data, report.load
    return f"""{START}
## Listings search: `GET /api/v1/properties`

Measured {report.date} with `{report.command}`.

- **Machine**: {m['cpu']}, {m['cpus']} CPUs, {m['memory']} RAM ({m['system']}). The servers,
  PostgreSQL, Redis and the load generator share it; everything talks over 127.0.0.1.
- **Software**: Python {v['python']}, Sanic {v['sanic']}, Tortoise ORM {v['tortoise-orm']},
  pydantic {v['pydantic']}, asyncpg {v['asyncpg']}, PostgreSQL {v['postgresql']}, {v['wrk']}.
- **Data**: {d['listings']:,} listings ({d['amenities']:,} amenities in all) and {d['images']:,}
  image rows, generated like `sheda seed-demo`'s (14 Nigerian cities, 6 property types, rent and
  sale) and loaded with asyncpg COPY ({d['seconds']} s) into a fresh database migrated by
  `sheda migrate`, then `VACUUM ANALYZE`. The database is dropped at the end.
- **Servers**: Sheda as deployed (`sheda serve --workers 2`, `SHEDA_ENV=production`,
  `SHEDA_REDIS_URL`) against the ceiling, `bench/raw_asyncpg_app.py`: a bare Sanic app
  (2 workers) sending the same statement (one per page, images included, built by
  `sheda.properties.search_sql`) through raw asyncpg (same pool size, 5 per worker, same
  session settings) and answering the same JSON. Before measuring, the runner checked that
  the ceiling's statement and parameters equal Sheda's for all {report.checks['sql']:,}
  searches, and that both servers answered identical JSON for {report.checks['answers']} of
  them.
- **Load**: `wrk -t{load['threads']} -c{load['connections']} -d{load['duration']}s --latency`
  per server per round after a {load['warmup']} s warm-up, {load['rounds']} round(s)
  alternating the servers; each request is a random pick from the same {load['paths']:,}
  searches (`bench/listing_paths.py`: city in any letter case, property_type, listing_type,
  min/max price, min_bedrooms, q, amenities, sort; first pages of 20).

### Random searches ({load['paths']:,})

{table(report, "all")}

### Cheap searches only ({load['cheap']:,} of them)

The searches of the same list whose page statement alone takes under {load['cheap_ms']} ms:
here the database does little, so the gap is Sheda's own cost per request (pydantic,
middleware, JSON) against the bare app.

{table(report, "cheap")}

{_queries(report)}
{_plans(report)}
{END}"""


def write_doc(path: Path, report: Report) -> None:
    replace_section(section(report), START, END, path)
