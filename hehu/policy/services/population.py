"""Population runs: every active child of a scope classified as of a date, set-based.

The run reads the registry into frames (frames_db), groups children by the policy in
force for their province (a provincial override, else the national policy), runs each
policy compiled to Polars, and stores the results in bulk. Each child's result is built
column-wise as the JSON text PostgreSQL prints (categories, clause masks, umbrellas,
signals; reasons are left null — they are decoded on display by the one-child
evaluator) and compared with the stored classifications, read back as text: only the
children whose classification changed are written (COPY into a temporary table, one
upsert; when most changed — a first run, a policy change — their rows are deleted in one
statement and the new ones copied straight into the table), and their entries into and
exits from categories are inserted as events (COPY). Nothing loops over children in
Python on PostgreSQL; the SQLite path (the small embedded default) uses bulk_create for
the changed rows.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
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
from hehu.policy.services.frames_db import (
    Column,
    Read,
    Scope,
    frames_from_reads,
    of_children,
    query,
    read_frames,
    registry_reads,
    select_list,
)
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


def population_run(*, run: PopulationRun, steps: dict[str, float] | None = None) -> PopulationRun:
    """Execute a queued run; its status, counts and timings are saved (also on failure).

    `steps`, when given, receives the seconds of each step (the run's `timings` sum them
    into build_frames, classify and store), the commit included.
    """
    run.status, run.started_at = PopulationRun.Status.RUNNING, timezone.now()
    run.save(update_fields=["status", "started_at"])
    clock = _Clock()
    # Outside any transaction (a command, a task), the registry is committed: read it on
    # several connections at once. Inside one (tests), only this connection sees it all.
    streams = 1 if connection.in_atomic_block else READ_STREAMS
    try:
        started = time.perf_counter()
        with transaction.atomic():
            _execute(run, clock, streams)
            if connection.vendor == "postgresql":
                # The deferred foreign-key checks (one per category event written), run
                # now rather than at commit so that the steps tell them from the flush.
                with clock("check_constraints"):
                    connection.check_constraints()
            committing = time.perf_counter()
        clock.steps["commit"] = time.perf_counter() - committing
        clock.steps["total"] = time.perf_counter() - started
        # The three phases first (what the run record shows), then every step.
        run.timings = {
            **{
                phase: round(sum(clock.steps.get(step, 0.0) for step in steps), 3)
                for phase, steps in _PHASES.items()
            },
            **{step: round(seconds, 3) for step, seconds in clock.steps.items()},
        }
        run.save(update_fields=["timings"])
    except Exception as exc:
        run.status, run.error, run.finished_at = (
            PopulationRun.Status.FAILED,
            str(exc),
            timezone.now(),
        )
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    finally:
        if steps is not None:
            steps.update((step, round(seconds, 3)) for step, seconds in clock.steps.items())
    return run


class _Clock:
    """Seconds spent per step, summed over the groups of a run."""

    def __init__(self) -> None:
        self.steps: dict[str, float] = {}

    @contextmanager
    def __call__(self, step: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.steps[step] = self.steps.get(step, 0.0) + time.perf_counter() - started


# The run record's three figures, each the sum of its steps (the steps are printed by
# the management command).
_PHASES = {
    "build_frames": ("policies", "read", "assemble_frames"),
    "classify": ("classify", "result_rows"),
    "store": ("compare", "write_results", "write_events", "check_constraints", "commit"),
}
# Connections reading the registry (and the stored classifications) at once: PostgreSQL
# prints rows on one core while Python takes them in on another. Python's side is one
# core at most (the GIL); on 2 cores, 2 streams did better than 3 or 4.
READ_STREAMS = min(3, max(2, os.cpu_count() or 2))


def _execute(run: PopulationRun, clock: _Clock, streams: int) -> None:
    results: list[pl.DataFrame] = []
    counts: dict[str, int] = {}
    with clock("policies"):
        groups = _groups(run)
    with clock("read"):
        # Every group's tables and the stored classifications, in one batch.
        reads = {"stored": _stored_read(run)}
        for i, group in enumerate(groups):
            reads.update((f"{i}.{name}", r) for name, r in registry_reads(group.scope).items())
        raw = read_frames(dict(sorted(reads.items(), key=_by_size)), streams=streams)
    for i, group in enumerate(groups):
        with clock("assemble_frames"):
            # Taken out of `raw`: a group's frames are freed once it is classified.
            prefix = f"{i}."
            mine = [k for k in raw if k.startswith(prefix)]
            frames, pks = frames_from_reads({k[len(prefix) :]: raw.pop(k) for k in mine})
        with clock("classify"):
            out = compile_policy(group.policy).run(frames, run.as_of)
        with clock("result_rows"):
            results.append(_result_rows(group, out, pks))
            for code, count in _counts(group.policy, out).items():
                counts[code] = counts.get(code, 0) + count
    new = pl.concat(results) if results else _empty_results()
    entered, exited = _store(run, new, raw["stored"], clock)

    run.children = new.height
    run.counts = dict(sorted((code, n) for code, n in counts.items() if n))
    run.entered, run.exited = entered, exited
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


def _quoted(code: str) -> str:
    return json.dumps(code, ensure_ascii=False)


def _json_list(columns: list[tuple[str, str]]) -> pl.Expr:
    """The codes whose boolean column holds, as JSON text (in the policy's order)."""
    if not columns:
        return pl.lit("[]")
    items = pl.concat_str(
        [pl.when(pl.col(column)).then(pl.lit(_quoted(code))) for column, code in columns],
        separator=", ",
        ignore_nulls=True,
    )
    return pl.concat_str([pl.lit("["), items, pl.lit("]")])


def _json_masks(codes: list[str]) -> pl.Expr:
    """`{"code": mask, …}` as JSON text, keys in PostgreSQL's jsonb order (see _store)."""
    if not codes:
        return pl.lit("{}")
    ordered = sorted(codes, key=lambda code: (len(code.encode()), code.encode()))
    parts: list[pl.Expr] = []
    for i, code in enumerate(ordered):
        parts.append(pl.lit(("{" if i == 0 else ", ") + _quoted(code) + ": "))
        parts.append(pl.col(f"mask.{code}").cast(pl.String).fill_null("null"))
    parts.append(pl.lit("}"))
    return pl.concat_str(parts)


def _result_rows(group: _Group, out: pl.DataFrame, pks: pl.Series) -> pl.DataFrame:
    """One row per child: what ChildClassification stores, JSON columns as text.

    The text is written as PostgreSQL prints jsonb (and as json.dumps prints the same
    values): `["a", "b"]`, `{"key": 1}` with shorter keys first. Stored rows read back
    as text therefore compare equal when their values are equal, so a run rewrites only
    the classifications that changed.
    """
    policy = group.policy
    signal_bits = [
        ((pl.col("signals") & (1 << i)) != 0).alias(f"_s.{s.code}")
        for i, s in enumerate(policy.need_signals)
    ]
    return out.with_columns(signal_bits).select(
        pks.cast(pl.Int64).alias("child_id"),
        pl.lit(group.version.pk, dtype=pl.Int64).alias("policy_version_id"),
        _json_list([(f"in.{c.code}", c.code) for c in policy.categories]).alias("categories"),
        _json_masks([c.code for c in policy.categories]).alias("masks"),
        _json_list([(f"umbrella.{u.code}", u.code) for u in policy.umbrellas]).alias("umbrellas"),
        _json_list([(f"_s.{s.code}", s.code) for s in policy.need_signals]).alias("signals"),
        pl.col("gap").cast(pl.Boolean).alias("coverage_gap"),
    )


def _counts(policy: Policy, out: pl.DataFrame) -> dict[str, int]:
    if not policy.categories:
        return {}
    sums = out.select(pl.col(f"in.{c.code}").sum().alias(c.code) for c in policy.categories)
    return {code: int(n or 0) for code, n in sums.row(0, named=True).items()}


_CLASSIFICATION_COLUMNS = (
    "child_id",
    "policy_version_id",
    "categories",
    "masks",
    "umbrellas",
    "signals",
    "coverage_gap",
)
# What makes a stored classification differ from a new one.
_COMPARED = _CLASSIFICATION_COLUMNS[1:]


def _empty_results() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "child_id": pl.Int64,
            "policy_version_id": pl.Int64,
            "categories": pl.String,
            "masks": pl.String,
            "umbrellas": pl.String,
            "signals": pl.String,
            "coverage_gap": pl.Boolean,
        }
    )


def _by_size(item: tuple[str, Read]) -> int:
    # The largest reads first, so that the streams finish together.
    order = ["children", "stored", "parents", "receiving", "conditions", "concerns", "needs"]
    return order.index(item[0].split(".")[-1])


def _stored_read(run: PopulationRun) -> Read:
    """The stored classifications of the run's children, JSON columns as stored text."""
    join, where, params = of_children(Scope(run.scope), "k.child_id")
    columns: list[Column] = [
        ("child_id", "k.child_id", "int"),
        ("policy_version_id", "k.policy_version_id", "int"),
        ("categories", "k.categories", "json"),
        ("masks", "k.masks", "json"),
        ("umbrellas", "k.umbrellas", "json"),
        ("signals", "k.signals", "json"),
        ("coverage_gap", "k.coverage_gap", "bool"),
    ]
    return Read(
        query("SELECT", select_list(columns), "FROM policy_childclassification k", join, where),
        params,
        columns,
    )


def _changes(new: pl.DataFrame, old: pl.DataFrame) -> pl.DataFrame:
    """The new rows whose stored classification is missing or differs, with the stored
    categories (`old.categories`, null when none) beside them."""
    joined = new.join(old.rename({c: f"old.{c}" for c in _COMPARED}), on="child_id", how="left")
    differs = pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"old.{c}")) for c in _COMPARED])
    return joined.filter(differs).select(*new.columns, "old.categories")


def _transitions(changed: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Entries into and exits from categories, one row per (child, code)."""
    codes = pl.List(pl.String)
    moved = changed.filter(pl.col("categories").ne_missing(pl.col("old.categories")))
    now = (
        moved.select(
            "child_id",
            "policy_version_id",
            pl.col("categories").str.json_decode(codes).alias("code"),
        )
        .explode("code")
        .drop_nulls("code")
    )
    # A child's exits are attributed to the version that classified it in this run.
    before = (
        moved.select(
            "child_id",
            "policy_version_id",
            pl.col("old.categories").str.json_decode(codes).alias("code"),
        )
        .explode("code")
        .drop_nulls("code")
    )
    entered = now.join(before, on=["child_id", "code"], how="anti")
    exited = before.join(now, on=["child_id", "code"], how="anti")
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


def _store(
    run: PopulationRun, new: pl.DataFrame, old: pl.DataFrame, clock: _Clock
) -> tuple[int, int]:
    """Write the classifications that changed, and the entries and exits.

    A child whose stored classification equals the new one (same policy version,
    categories, masks, umbrellas, signals and gap) keeps its row as it is — including its
    date, the date of the classification that produced it — so that a run over a stable
    population writes little (rewriting a million rows costs PostgreSQL 5–9 s).
    """
    with clock("compare"):
        changed = _changes(new, old)
        entered, exited = _transitions(changed)
        events = _events_frame(run, entered, exited)
    now = timezone.now()
    if connection.vendor == "postgresql":
        with clock("write_results"):
            if _rewrites_most(changed, new):
                _replace_postgresql(run, changed, now)
            else:
                _write_postgresql(run, changed, now)
        with clock("write_events"):
            if events.height:
                stamped = events.with_columns(pl.lit(now.isoformat()).alias("recorded_at"))
                _copy_in("policy_categoryevent", [*events.columns, "recorded_at"], stamped)
    else:
        with clock("write_results"):
            _write_bulk(run, changed, now)
        with clock("write_events"):
            _events_bulk(events)
    return entered.height, exited.height


# Rows per CSV chunk sent to COPY: PostgreSQL parses one chunk while Polars prints the
# next, and a million rows are never held as one 260 MB text (twice, with its copy).
_COPY_CHUNK = 100_000


def _copy_in(table: str, columns: list[str], frame: pl.DataFrame) -> None:
    quoted = ", ".join(f'"{c}"' for c in columns)
    statement = f"COPY {table} ({quoted}) FROM STDIN WITH (FORMAT csv)"
    selected = frame.select(columns)
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for chunk in selected.iter_slices(_COPY_CHUNK):
            buffer = io.BytesIO()
            chunk.write_csv(buffer, include_header=False)
            copy.write(buffer.getvalue())


def _rewrites_most(changed: pl.DataFrame, new: pl.DataFrame) -> bool:
    """Whether most of the run's results are written: a first run (nothing stored for the
    scope) or a policy change that alters most children."""
    return changed.height > 0 and 2 * changed.height > new.height


def _replace_postgresql(run: PopulationRun, changed: pl.DataFrame, now: dt.datetime) -> None:
    """Most results changed: delete the changed children's stored rows in one statement
    and COPY the new ones straight into the table (no staging table, no upsert: half the
    time of `_write_postgresql` for a million rows).

    The table is locked against other writers first (EXCLUSIVE: plain reads go on), so
    that a one-child classification arriving meanwhile waits for the commit instead of
    finding its row deleted and colliding with the new one. Everything stays inside the
    run's transaction: a failure leaves the stored results as they were.
    """
    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE policy_childclassification IN EXCLUSIVE MODE")
        stored = changed.filter(pl.col("old.categories").is_not_null())["child_id"]
        if stored.len():
            # One array parameter, built column-wise: {1,2,3}.
            ids = "{" + stored.cast(pl.String).str.join(",").item() + "}"
            cursor.execute(
                "DELETE FROM policy_childclassification WHERE child_id = ANY(%s::bigint[])",
                [ids],
            )
    rows = changed.with_columns(
        pl.lit(run.as_of).alias("as_of"),
        pl.lit(now.isoformat()).alias("computed_at"),
        pl.lit(None, dtype=pl.String).alias("reasons"),
        pl.lit(ChildClassification.Source.POPULATION.value).alias("source"),
    )
    columns = [*_CLASSIFICATION_COLUMNS, "as_of", "computed_at", "reasons", "source"]
    _copy_in("policy_childclassification", columns, rows)


def _write_postgresql(run: PopulationRun, changed: pl.DataFrame, now: dt.datetime) -> None:
    if not changed.height:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE _population_result (child_id bigint, policy_version_id bigint, "
            "categories jsonb, masks jsonb, umbrellas jsonb, signals jsonb, coverage_gap boolean)"
            " ON COMMIT DROP"
        )
    _copy_in("_population_result", list(_CLASSIFICATION_COLUMNS), changed)
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


def _write_bulk(run: PopulationRun, changed: pl.DataFrame, now: dt.datetime) -> None:
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
        for child_id, version_id, categories, masks, umbrellas, signals, gap in changed.select(
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


def _events_bulk(events: pl.DataFrame) -> None:
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
