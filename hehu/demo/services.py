"""Loading the Yibin demo, and generating large synthetic populations for benchmarks."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import connection, connections, transaction
from django.utils import timezone

from hehu.accounts.demo import DEMO_ACCOUNTS, demo_users_create
from hehu.accounts.models import User
from hehu.demo.benefits import demo_benefits_create
from hehu.demo.casework import demo_casework_create
from hehu.demo.divisions import county_divisions, divisions_ensure
from hehu.demo.population import FamilyGenerator
from hehu.demo.protection import demo_protection_create
from hehu.demo.rows import (
    DEMO_OVERSAMPLE,
    REALISTIC,
    TABLES,
    Bases,
    Batch,
    Oversample,
    Village,
)
from hehu.demo.writers import (
    indexes_drop,
    indexes_rebuild,
    next_bases,
    sequences_reset,
    tables_analyze,
    write_batch,
)
from hehu.policy.services.policies import policies_sync_shipped
from hehu.policy.services.population import population_run, population_run_create
from hehu.regions.demo import DEMO_COUNTIES, DEMO_PREFIX, demo_regions_create
from hehu.regions.models import Region
from hehu.regions.services import regions_load_national
from hehu.registry.models import Child
from hehu.supply.demo import load_supply_demo

# DEMO ONLY: every demo account shares this password; `make run` prints it.
DEMO_PASSWORD = "Hehu-demo-2026"  # noqa: S105
DEMO_CHILDREN = 5000
# Chunks of one county (each writes its own slice of the ID sequence numbers).
MAX_CHUNKS_PER_COUNTY = 100
# Communities in town are larger than villages: more children per residents' committee.
URBAN_WEIGHT = 2.5


def _villages(county_prefixes: Sequence[str]) -> list[Village]:
    result = []
    for prefix in county_prefixes:
        regions = Region.objects.filter(
            level=Region.Level.VILLAGE, code__startswith=prefix, active=True
        ).order_by("code")
        for region in regions:
            rural = 200 <= int(region.code[9:]) <= 399
            name = region.name.removeprefix(DEMO_PREFIX)
            result.append(Village(region.code, name, rural, 1.0 if rural else URBAN_WEIGHT))
    return result


def _county_names(codes: Sequence[str]) -> dict[str, str]:
    full = [c.ljust(12, "0") for c in codes]
    return {r.code[:6]: r.name for r in Region.objects.filter(code__in=full)}


@dataclass
class DemoReport:
    skipped: bool = False
    regions_created: int = 0
    users: list[User] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    without_id: int = 0
    seconds: float = 0.0
    categories: dict[str, int] = field(default_factory=dict)  # children per category
    casework: dict[str, int] = field(default_factory=dict)  # what the demo casework made
    protection: dict[str, int] = field(default_factory=dict)  # the demo's reports
    benefits: dict[str, int] = field(default_factory=dict)  # enrolments, rolls, findings
    supply: dict[str, int] = field(default_factory=dict)  # in-kind stock, distributions


def demo_load(
    *, children: int = DEMO_CHILDREN, seed: int = 1, if_empty: bool = False,
    as_of: dt.date | None = None,
) -> DemoReport:  # fmt: skip
    """Load the Yibin demo: national regions, demo villages, one account per role, and
    `children` synthetic children with their families (rare categories over-sampled)."""
    started = time.perf_counter()
    if if_empty and Child.objects.exists():
        return DemoReport(skipped=True)
    report = DemoReport()
    with transaction.atomic():
        regions_load_national()
        report.regions_created = demo_regions_create()
        report.users = demo_users_create(password=DEMO_PASSWORD)
        villages = _villages(list(DEMO_COUNTIES))
        generator = FamilyGenerator(
            rng=random.Random(f"demo:{seed}"),  # noqa: S311 - synthetic data
            as_of=as_of or timezone.localdate(),
            villages=villages,
            county_names=dict(DEMO_COUNTIES),
            bases=next_bases(),
            oversample=DEMO_OVERSAMPLE,
        )
        batch = generator.generate(first=0, count=children)
        write_batch(batch)
        sequences_reset()
    # The demo shows what the policy engine decided for every child (the child's page, the
    # coverage-gap list), so the whole demo population is classified once, as a real
    # population run recorded like any other.
    policies_sync_shipped()
    run = population_run_create(actor=None, as_of=as_of or timezone.localdate())
    population_run(run=run)
    report.categories = dict(run.counts)
    report.casework = demo_casework_create(as_of=as_of or timezone.localdate())
    report.protection = demo_protection_create(as_of=as_of or timezone.localdate())
    report.benefits = demo_benefits_create(as_of=as_of or timezone.localdate())
    report.supply = load_supply_demo(as_of=as_of or timezone.localdate())
    report.counts = batch.counts()
    report.without_id = batch.without_id
    report.seconds = time.perf_counter() - started
    return report


def demo_accounts() -> list[tuple[str, str, str]]:
    """(username, role, jurisdiction) of each demo account."""
    return [(a.username, str(a.role.label), a.jurisdiction) for a in DEMO_ACCOUNTS]


# -- benchmark populations ----------------------------------------------------------------------


class PopulationRefused(Exception):
    """The population cannot be generated as asked; the message says why."""


@dataclass(frozen=True)
class Chunk:
    """A slice of one county's children, generated and written as one unit."""

    county: str
    index: int  # within the county: seeds the generator and picks the ID sequence slot
    slots: int  # chunks in this county
    first: int  # global index of the first child
    count: int


@dataclass(frozen=True)
class _Job:
    seed: int
    as_of: dt.date
    villages: dict[str, list[Village]]
    county_names: dict[str, str]
    bases: Bases
    oversample: Oversample


@dataclass
class PopulationReport:
    counties: list[str] = field(default_factory=list)
    regions_created: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))
    without_id: int = 0
    seconds_generate: float = 0.0
    seconds_indexes: float = 0.0
    seconds_total: float = 0.0
    workers: int = 1

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def counties_pick(*, province: str, city: str, count: int) -> list[Region]:
    """`count` counties of the province, those of `city` first, then by code."""
    counties = list(
        Region.objects.filter(
            level=Region.Level.COUNTY, code__startswith=province, active=True
        ).order_by("code")
    )
    counties.sort(key=lambda r: (not r.code.startswith(city), r.code) if city else r.code)
    if len(counties) < count:
        raise PopulationRefused(
            f"province {province} has {len(counties)} counties, fewer than {count}"
        )
    return counties[:count]


def chunks_plan(counties: Sequence[str], children: int, chunk_size: int) -> list[Chunk]:
    """Children shared equally between counties, each county cut into chunks."""
    chunks: list[Chunk] = []
    first = 0
    for n, county in enumerate(counties):
        share = children // len(counties) + (1 if n < children % len(counties) else 0)
        # Each chunk of a county owns a slice of the ID sequence numbers (see
        # FamilyGenerator): more than MAX_CHUNKS_PER_COUNTY would make the slices too thin.
        pieces = min(max(1, -(-share // chunk_size)), MAX_CHUNKS_PER_COUNTY)
        for index in range(pieces):
            count = share // pieces + (1 if index < share % pieces else 0)
            chunks.append(Chunk(county, index, pieces, first, count))
            first += count
    return chunks


_JOB: _Job | None = None
_IN_WORKER = False


def _chunk_run(chunk: Chunk) -> tuple[dict[str, int], int]:
    """Generate and write one chunk (in a worker process or in-line)."""
    job = _JOB
    if job is None:
        raise RuntimeError("no population job")
    generator = FamilyGenerator(
        rng=random.Random(f"population:{job.seed}:{chunk.county}:{chunk.index}"),  # noqa: S311
        as_of=job.as_of,
        villages=job.villages[chunk.county],
        county_names=job.county_names,
        bases=job.bases,
        oversample=job.oversample,
        id_slot=chunk.index,
        id_slots=chunk.slots,
    )
    batch: Batch = generator.generate(first=chunk.first, count=chunk.count)
    write_batch(batch)
    if _IN_WORKER:
        connection.close()  # say goodbye to PostgreSQL before the pool ends the process
    return batch.counts(), batch.without_id


def _in_worker() -> None:
    global _IN_WORKER
    _IN_WORKER = True


def population_generate(
    *,
    children: int,
    seed: int = 1,
    counties: int = 10,
    province: str = "51",
    city: str = "",
    workers: int = 2,
    chunk_size: int = 20_000,
    as_of: dt.date | None = None,
    oversample: Oversample = REALISTIC,
    rebuild_indexes: bool | None = None,
    progress: Callable[[str], None] | None = None,
) -> PopulationReport:
    """Write `children` synthetic children with households, parents and conditions.

    On PostgreSQL rows go in with COPY from `workers` processes, each chunk in its own
    transaction; elsewhere (SQLite) with executemany in this process. Refuses counties that
    already hold children, so ID numbers cannot collide with existing files.
    """
    started = time.perf_counter()
    say = progress or (lambda message: None)
    postgres = connection.vendor == "postgresql"
    report = PopulationReport(workers=workers if postgres else 1)
    if not Region.objects.filter(level=Region.Level.COUNTY, code__startswith=province).exists():
        regions_load_national()
    picked = counties_pick(province=province, city=city, count=counties)
    codes = [r.code[:6] for r in picked]
    report.counties = codes
    taken = [c for c in codes if Child.objects.filter(region__code__startswith=c).exists()]
    if taken:
        raise PopulationRefused(f"counties already hold children: {', '.join(taken)}")
    with transaction.atomic():
        for county in picked:
            report.regions_created += divisions_ensure(
                county_divisions(county.code[:6], county.name, seed=seed)
            )
    villages = {code: _villages([code]) for code in codes}
    global _JOB
    _JOB = _Job(
        seed=seed,
        as_of=as_of or timezone.localdate(),
        villages=villages,
        county_names=_county_names(codes),
        bases=next_bases(),
        oversample=oversample,
    )
    plan = chunks_plan(codes, children, chunk_size)
    rebuild = postgres and (children >= 100_000 if rebuild_indexes is None else rebuild_indexes)
    saved = indexes_drop() if rebuild else []
    if saved:
        say(f"dropped {len(saved)} indexes and constraints")
    try:
        results = _chunks_run(plan, report.workers, say)
        for counts, without_id in results:
            for name, n in counts.items():
                report.counts[name] += n
            report.without_id += without_id
        report.seconds_generate = time.perf_counter() - started
    finally:
        _JOB = None
        if saved:
            indexes_started = time.perf_counter()
            say("rebuilding indexes and constraints")
            indexes_rebuild(saved, parallel=max(1, workers))
            report.seconds_indexes = time.perf_counter() - indexes_started
    sequences_reset()
    if postgres:
        tables_analyze()
    report.seconds_total = time.perf_counter() - started
    return report


def _chunks_run(
    plan: list[Chunk], workers: int, say: Callable[[str], None]
) -> list[tuple[dict[str, int], int]]:
    total = sum(c.count for c in plan)
    done = 0
    results = []
    if workers <= 1:
        for chunk in plan:
            results.append(_chunk_run(chunk))
            done += chunk.count
            say(f"{done}/{total} children")
        return results
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_in_worker) as pool:
        for chunk, result in zip(plan, pool.imap(_chunk_run, plan), strict=True):
            results.append(result)
            done += chunk.count
            say(f"{done}/{total} children")
    return results
