"""Population runs: every active child of a scope classified as of a date, set-based.

The run reads the registry into frames (frames_db), groups children by the policy in
force for their province (a provincial override, else the national policy), runs each
policy compiled to Polars, and stores the results in bulk: the current classification of
each child is upserted (reasons are left null — they are decoded on display by the
one-child evaluator), and entries into and exits from categories are computed with Polars
joins against the stored categories and inserted as events. Nothing loops over children
in Python on PostgreSQL; the SQLite path (the small embedded default) uses bulk_create.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import time
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.policy.engine.columnar import compile_policy
from hehu.policy.engine.load import PolicyNotFound
from hehu.policy.engine.model import NATIONAL, Policy
from hehu.policy.models import CategoryEvent, ChildClassification, PolicyVersion, PopulationRun
from hehu.policy.services.frames_db import Scope, frames_from_registry, query, read_frame
from hehu.policy.services.policies import NoPolicyInEffect, policies_in_force, policy_loaded


@dataclass(frozen=True)
class _Group:
    policy: Policy
    version: PolicyVersion
    scope: Scope


@transaction.atomic
def population_run_create(
    *,
    actor: Any,
    as_of: dt.date,
    scope: str = "",
    policy_version: PolicyVersion | None = None,
) -> PopulationRun:
    """Queue a population run (audited once: who, which scope, as of when)."""
    run = PopulationRun.objects.create(
        as_of=as_of,
        scope=scope,
        policy_version=policy_version,
        requested_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_record(
        actor=actor,
        verb=Verb.POLICY_POPULATION_RUN,
        object_type="population_run",
        object_id=run.pk,
        changes={
            "scope": scope,
            "as_of": as_of.isoformat(),
            "policy": policy_version.ref if policy_version is not None else "in force",
        },
    )
    return run


def population_run(*, run: PopulationRun) -> PopulationRun:
    """Execute a queued run; its status, counts and timings are saved (also on failure)."""
    run.status, run.started_at = PopulationRun.Status.RUNNING, timezone.now()
    run.save(update_fields=["status", "started_at"])
    try:
        _execute(run)
    except Exception as exc:
        run.status, run.error, run.finished_at = (
            PopulationRun.Status.FAILED,
            str(exc),
            timezone.now(),
        )
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    return run


@transaction.atomic
def _execute(run: PopulationRun) -> None:
    timings = {"build_frames": 0.0, "classify": 0.0, "store": 0.0}
    results: list[pl.DataFrame] = []
    for group in _groups(run):
        started = time.perf_counter()
        frames, pks = frames_from_registry(group.scope)
        timings["build_frames"] += time.perf_counter() - started
        started = time.perf_counter()
        out = compile_policy(group.policy).run(frames, run.as_of)
        results.append(_result_rows(group, out, pks))
        timings["classify"] += time.perf_counter() - started
    started = time.perf_counter()
    new = pl.concat(results) if results else _empty_results()
    entered, exited = _store(run, new)
    timings["store"] = time.perf_counter() - started

    counts: dict[str, int] = {}
    exploded = new.select("_codes").explode("_codes").drop_nulls()
    for row in exploded.group_by("_codes").len().iter_rows():
        counts[row[0]] = int(row[1])
    run.children = new.height
    run.counts = dict(sorted(counts.items()))
    run.entered, run.exited = entered, exited
    run.timings = {k: round(v, 3) for k, v in timings.items()}
    run.status, run.finished_at = PopulationRun.Status.DONE, timezone.now()
    run.save()


def _groups(run: PopulationRun) -> list[_Group]:
    """Children by the policy they fall under: one group per provincial override in force."""
    if run.policy_version is not None:
        policy = policy_loaded(run.policy_version)
        return [_Group(policy, run.policy_version, Scope(run.scope))]
    policy_set, by_ref = policies_in_force()
    provinces = sorted(
        {
            p.jurisdiction
            for p in policy_set.all()
            if p.jurisdiction != NATIONAL and p.in_effect(run.as_of)
        }
    )
    try:
        if len(run.scope) >= 2:
            policy = policy_set.for_region(run.scope, run.as_of)
            return [_Group(policy, by_ref[policy.ref], Scope(run.scope))]
        groups = []
        for province in provinces:
            if province.startswith(run.scope):
                policy = policy_set.for_region(province, run.as_of)
                groups.append(_Group(policy, by_ref[policy.ref], Scope(province)))
        national = policy_set.for_region("", run.as_of)
    except PolicyNotFound as exc:
        raise NoPolicyInEffect(str(exc)) from exc
    excluded = tuple(p for p in provinces if p.startswith(run.scope))
    groups.append(_Group(national, by_ref[national.ref], Scope(run.scope, excluded)))
    return groups


def _codes(columns: list[tuple[str, str]]) -> pl.Expr:
    """The codes whose boolean column holds, as a list (in the policy's order)."""
    if not columns:
        return pl.lit([], dtype=pl.List(pl.String))
    return pl.concat_list(
        [pl.when(pl.col(column)).then(pl.lit(code)).otherwise(None) for column, code in columns]
    ).list.drop_nulls()


def _json_codes(codes: pl.Expr) -> pl.Expr:
    # Codes are identifiers ([a-z0-9_]), so quoting them is all JSON needs.
    quoted = codes.list.eval(pl.concat_str([pl.lit('"'), pl.element(), pl.lit('"')]))
    return pl.concat_str([pl.lit("["), quoted.list.join(","), pl.lit("]")])


def _result_rows(group: _Group, out: pl.DataFrame, pks: pl.Series) -> pl.DataFrame:
    policy = group.policy
    categories = [(f"in.{c.code}", c.code) for c in policy.categories]
    umbrellas = [(f"umbrella.{u.code}", u.code) for u in policy.umbrellas]
    signal_bits = [
        ((pl.col("signals") & (1 << i)) != 0).alias(f"_s.{s.code}")
        for i, s in enumerate(policy.need_signals)
    ]
    signals = [(f"_s.{s.code}", s.code) for s in policy.need_signals]
    masks = pl.struct([pl.col(f"mask.{c.code}").alias(c.code) for c in policy.categories])
    return (
        out.with_columns(pks.alias("child_id"))
        .with_columns(signal_bits)
        .select(
            pl.col("child_id").cast(pl.Int64),
            pl.lit(group.version.pk, dtype=pl.Int64).alias("policy_version_id"),
            _codes(categories).alias("_codes"),
            masks.struct.json_encode().alias("masks"),
            _json_codes(_codes(umbrellas)).alias("umbrellas"),
            _json_codes(_codes(signals)).alias("signals"),
            pl.col("gap").cast(pl.Boolean).alias("coverage_gap"),
        )
        .with_columns(_json_codes(pl.col("_codes")).alias("categories"))
    )


def _empty_results() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "child_id": pl.Int64,
            "policy_version_id": pl.Int64,
            "_codes": pl.List(pl.String),
            "masks": pl.String,
            "umbrellas": pl.String,
            "signals": pl.String,
            "coverage_gap": pl.Boolean,
            "categories": pl.String,
        }
    )


def _previous(run: PopulationRun) -> pl.DataFrame:
    """The stored categories of the run's children, one row per (child, code)."""
    where, params = Scope(run.scope).where("c")
    stored = read_frame(
        query(
            "SELECT k.child_id, k.categories FROM policy_childclassification k",
            "JOIN registry_child c ON c.id = k.child_id WHERE",
            where,
        ),
        params,
        [("child_id", "k.child_id", "int"), ("categories", "k.categories", "json")],
    )
    return (
        stored.with_columns(pl.col("categories").str.json_decode(pl.List(pl.String)))
        .explode("categories")
        .drop_nulls("categories")
        .rename({"categories": "code"})
    )


def _transitions(
    run: PopulationRun, new: pl.DataFrame, old: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    now = new.select("child_id", "policy_version_id", pl.col("_codes").alias("code")).explode(
        "code"
    )
    now = now.drop_nulls("code")
    entered = now.join(old, on=["child_id", "code"], how="anti")
    # A child's exits are attributed to the version that classified it in this run.
    versions = new.select("child_id", "policy_version_id")
    exited = (
        old.join(now, on=["child_id", "code"], how="anti")
        .join(versions, on="child_id", how="inner")
        .select("child_id", "policy_version_id", "code")
    )
    return entered, exited


def _events_frame(run: PopulationRun, entered: pl.DataFrame, exited: pl.DataFrame) -> pl.DataFrame:
    return pl.concat(
        [
            frame.select(
                pl.col("child_id"),
                pl.col("code").alias("category"),
                pl.lit(kind).alias("kind"),
                pl.lit(run.as_of).alias("on"),
                pl.col("policy_version_id"),
                pl.lit(run.pk, dtype=pl.Int64).alias("run_id"),
            )
            for frame, kind in (
                (entered, CategoryEvent.Kind.ENTERED.value),
                (exited, CategoryEvent.Kind.EXITED.value),
            )
        ]
    )


def _store(run: PopulationRun, new: pl.DataFrame) -> tuple[int, int]:
    old = _previous(run)
    entered, exited = _transitions(run, new, old)
    events = _events_frame(run, entered, exited)
    now = timezone.now()
    if connection.vendor == "postgresql":
        _store_postgresql(run, new, events, now)
    else:
        _store_bulk(run, new, events, now)
    return entered.height, exited.height


_CLASSIFICATION_COLUMNS = (
    "child_id",
    "policy_version_id",
    "categories",
    "masks",
    "umbrellas",
    "signals",
    "coverage_gap",
)


def _copy_in(table: str, columns: list[str], frame: pl.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.select(columns).write_csv(buffer, include_header=False)
    quoted = ", ".join(f'"{c}"' for c in columns)
    statement = f"COPY {table} ({quoted}) FROM STDIN WITH (FORMAT csv)"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        copy.write(buffer.getvalue())


def _store_postgresql(
    run: PopulationRun, new: pl.DataFrame, events: pl.DataFrame, now: dt.datetime
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE _population_result (child_id bigint, policy_version_id bigint, "
            "categories jsonb, masks jsonb, umbrellas jsonb, signals jsonb, coverage_gap boolean)"
            " ON COMMIT DROP"
        )
    _copy_in("_population_result", list(_CLASSIFICATION_COLUMNS), new)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO policy_childclassification (child_id, policy_version_id, as_of, "
            "computed_at, categories, masks, umbrellas, signals, coverage_gap, reasons, source) "
            "SELECT child_id, policy_version_id, %s, %s, categories, masks, umbrellas, signals, "
            "coverage_gap, NULL, %s FROM _population_result "
            "ON CONFLICT (child_id) DO UPDATE SET policy_version_id = EXCLUDED.policy_version_id,"
            " as_of = EXCLUDED.as_of, computed_at = EXCLUDED.computed_at,"
            " categories = EXCLUDED.categories, masks = EXCLUDED.masks,"
            " umbrellas = EXCLUDED.umbrellas, signals = EXCLUDED.signals,"
            " coverage_gap = EXCLUDED.coverage_gap, reasons = NULL, source = EXCLUDED.source",
            [run.as_of, now, ChildClassification.Source.POPULATION.value],
        )
        # Dropped now, not only at commit: a caller's outer transaction may run again.
        cursor.execute("DROP TABLE _population_result")
    if events.height:
        stamped = events.with_columns(pl.lit(now.isoformat()).alias("recorded_at"))
        _copy_in("policy_categoryevent", [*events.columns, "recorded_at"], stamped)


def _store_bulk(
    run: PopulationRun, new: pl.DataFrame, events: pl.DataFrame, now: dt.datetime
) -> None:
    rows = [
        ChildClassification(
            child_id=child_id,
            policy_version_id=version_id,
            as_of=run.as_of,
            computed_at=now,
            categories=json.loads(categories),
            masks=json.loads(masks),
            umbrellas=json.loads(umbrellas),
            signals=json.loads(signals),
            coverage_gap=gap,
            reasons=None,
            source=ChildClassification.Source.POPULATION,
        )
        for child_id, version_id, categories, masks, umbrellas, signals, gap in new.select(
            _CLASSIFICATION_COLUMNS
        ).iter_rows()
    ]
    ChildClassification.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["child"],
        update_fields=[
            "policy_version",
            "as_of",
            "computed_at",
            "categories",
            "masks",
            "umbrellas",
            "signals",
            "coverage_gap",
            "reasons",
            "source",
        ],
    )
    CategoryEvent.objects.bulk_create(
        [
            CategoryEvent(
                child_id=child_id,
                category=category,
                kind=kind,
                on=on,
                policy_version_id=version_id,
                run_id=run_id,
            )
            for child_id, category, kind, on, version_id, run_id in events.iter_rows()
        ],
        batch_size=2000,
    )
