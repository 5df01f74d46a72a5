"""Simulating a draft policy: the same children under the draft and under the policies in
force, compared per category and aggregated per region at the six levels.

The registry is read once into frames (frames_db). The draft and the baseline are compiled
to Polars and run over those frames; when the baseline differs by province (a provincial
override is in force) each province's rows are run under their own policy. A category of
only one of the two policies counts as held by nobody in the other. Entries and exits are
columns, aggregated with one Polars group_by per level; the children who would move are
bulk-inserted (COPY on PostgreSQL). Nothing in the registry or its classifications changes.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.policy.engine.columnar import CompiledPolicy, compile_policy
from hehu.policy.engine.frames import FactsFrames
from hehu.policy.engine.load import PolicyNotFound
from hehu.policy.engine.model import NATIONAL, Policy
from hehu.policy.models import PolicyVersion
from hehu.policy.services.frames_db import Scope, frames_from_registry
from hehu.policy.services.policies import NoPolicyInEffect, policies_in_force, policy_loaded
from hehu.policy.simulation.models import LEVELS, Simulation, SimulationChange

_SCOPE_RE = re.compile(r"^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})?$")
SIMULATED_STATUSES = (
    PolicyVersion.Status.DRAFT,
    PolicyVersion.Status.REVIEWED,
    PolicyVersion.Status.APPROVED,
)


# -- requesting ------------------------------------------------------------------------------


def _within(prefix: str, reach: Iterable[str]) -> bool:
    return any(prefix.startswith(p) for p in reach)


def _effective_scope(draft: PolicyVersion, scope: str) -> str:
    """The scope, narrowed to the draft's province for an override (it applies nowhere else)."""
    if not _SCOPE_RE.match(scope):
        raise ValidationFailed(
            {"scope": [_("范围应为2、4、6、9或12位区划代码前缀，或留空表示全国")]}
        )
    province = draft.jurisdiction
    if province == NATIONAL or scope.startswith(province):
        return scope
    if province.startswith(scope):
        return province
    raise ValidationFailed(
        {"scope": [_("省级政策草案只适用于其本省（%(province)s）") % {"province": province}]}
    )


@transaction.atomic
def simulation_create(
    *,
    actor: Any,
    draft: PolicyVersion,
    as_of: dt.date,
    scope: str = "",
    baseline: PolicyVersion | None = None,
) -> Simulation:
    """Record a simulation to run (audited); no permission check: see simulation_request."""
    if draft.status not in SIMULATED_STATUSES:
        raise ValidationFailed({"draft": [_("只能模拟草稿、已审核或已批准的政策版本")]})
    simulation = Simulation.objects.create(
        draft=draft,
        baseline=baseline,
        as_of=as_of,
        scope=_effective_scope(draft, scope),
        requested_by=actor if actor is not None and actor.is_authenticated else None,
    )
    audit_record(
        actor=actor,
        verb=Verb.SIMULATION_RUN,
        object_type="simulation",
        object_id=simulation.pk,
        changes={
            "draft": draft.ref,
            "baseline": baseline.ref if baseline is not None else "in force",
            "scope": simulation.scope,
            "as_of": as_of.isoformat(),
        },
    )
    return simulation


@transaction.atomic
def simulation_request(
    *,
    actor: Any,
    draft: PolicyVersion,
    as_of: dt.date,
    scope: str | None = None,
    baseline: PolicyVersion | None = None,
) -> Simulation:
    """Queue a simulation within the actor's jurisdiction; it runs after commit (Celery)."""
    if not has_perm(actor, Perm.SIMULATE_POLICY):
        raise PermissionRefused(_("您的账号不能模拟政策草案"))
    reach: list[str] = actor.prefixes
    if scope is None:
        if len(reach) != 1:
            raise ValidationFailed({"scope": [_("请选择模拟范围")]})
        scope = reach[0]
    if not _within(scope, reach):
        raise ValidationFailed({"scope": [_("模拟范围应在您的管辖范围之内")]})
    simulation = simulation_create(
        actor=actor, draft=draft, as_of=as_of, scope=scope, baseline=baseline
    )
    if not _within(simulation.scope, reach):  # an override narrowed to a province not ours
        raise ValidationFailed({"scope": [_("模拟范围应在您的管辖范围之内")]})
    from hehu.policy.simulation.tasks import simulation_run_task

    pk = simulation.pk
    transaction.on_commit(lambda: simulation_run_task.delay(pk))
    return simulation


# -- running ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    """The rows (province prefix; "" with `excluded`: the rest) under one baseline policy."""

    policy: Policy
    prefix: str = ""
    excluded: tuple[str, ...] = ()


def simulation_run(*, simulation: Simulation) -> Simulation:
    """Execute a queued simulation; status, summary and timings are saved (also on failure)."""
    simulation.status, simulation.started_at = Simulation.Status.RUNNING, timezone.now()
    simulation.error = ""
    simulation.save(update_fields=["status", "started_at", "error"])
    try:
        _execute(simulation)
    except Exception as exc:
        simulation.status, simulation.error, simulation.finished_at = (
            Simulation.Status.FAILED,
            str(exc),
            timezone.now(),
        )
        simulation.save(update_fields=["status", "error", "finished_at"])
        raise
    return simulation


@transaction.atomic
def _execute(simulation: Simulation) -> None:
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[step] = round(now - clock, 3)
        clock = now

    draft = policy_loaded(simulation.draft)
    groups = _baseline_groups(simulation)
    lap("load_policies")
    frames, pks = frames_from_registry(Scope(simulation.scope))
    lap("build_frames")
    result = simulate_frames(frames, draft, groups, simulation.as_of, lap=lap)
    compared = result.compared.with_columns(pks.alias("child_id"))
    levels = summary_json(compared, result.codes)
    lap("aggregate")
    simulation.cost = _cost_effect(frames, compared, result.codes, simulation.as_of)
    lap("cost")
    changes = change_rows(compared, result.codes)
    SimulationChange.objects.filter(simulation=simulation).delete()
    _store_changes(simulation, changes)
    lap("store")

    names = {p.code: p for p in (*draft.categories, *_baseline_categories(groups))}
    simulation.categories = [
        {"code": code, "zh": names[code].name.zh, "en": names[code].name.en}
        for code in result.codes
    ]
    head = json.dumps({"baseline": sorted({g.policy.ref for g in groups}), "draft": draft.ref})
    _store_summary(simulation, head[:-1] + ', "levels": ' + levels + "}")
    simulation.children = frames.children.height
    simulation.timings = timings
    simulation.status, simulation.finished_at = Simulation.Status.DONE, timezone.now()
    simulation.save()


def _cost_effect(
    frames: FactsFrames, compared: pl.DataFrame, codes: list[str], as_of: dt.date
) -> dict[str, Any]:
    """What the draft would cost a month against the baseline (benefit standards of the
    month of `as_of`; every child treated as confirmed in its categories)."""
    from hehu.benefits.catalogue import standards
    from hehu.benefits.roll.cost import cost_effect
    from hehu.benefits.roll.inputs import student_ages

    month = as_of.replace(day=1)
    counties = sorted(set(frames.children["region_code"].str.slice(0, 6).drop_nulls().to_list()))
    return cost_effect(
        standards=standards(),
        compared=compared,
        children=frames.children,
        receiving=frames.receiving,
        codes=codes,
        month=month,
        student_age=student_ages(counties, month),
    )


def _store_summary(simulation: Simulation, text: str) -> None:
    """Store the summary's JSON text as it is (not parsed into Python objects and dumped
    again); the model reads it back on first access."""
    table = Simulation._meta.db_table
    cast = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET summary = {cast} WHERE id = %s", [text, simulation.pk])  # noqa: S608 - constant table name
    simulation.__dict__.pop("summary", None)  # deferred: loaded again when read


def _baseline_categories(groups: list[_Group]) -> list[Any]:
    return [c for g in groups for c in g.policy.categories]


def _baseline_groups(simulation: Simulation) -> list[_Group]:
    """The baseline: the named version for everyone, else each province's policy in force."""
    if simulation.baseline is not None:
        return [_Group(policy_loaded(simulation.baseline))]
    policy_set, _by_ref = policies_in_force()
    scope, as_of = simulation.scope, simulation.as_of
    try:
        if len(scope) >= 2:
            return [_Group(policy_set.for_region(scope, as_of))]
        provinces = sorted(
            {
                p.jurisdiction
                for p in policy_set.all()
                if p.jurisdiction != NATIONAL and p.in_effect(as_of)
            }
        )
        groups = [_Group(policy_set.for_region(p, as_of), prefix=p) for p in provinces]
        groups.append(_Group(policy_set.for_region("", as_of), excluded=tuple(provinces)))
    except PolicyNotFound as exc:
        raise NoPolicyInEffect(str(exc)) from exc
    return groups


# -- the computation (no database: the benchmark runs it on synthetic frames) ----------------


@dataclass(frozen=True)
class Simulated:
    """Per child (rows of the frames): `region_code`, `cur.<code>`, `new.<code>`."""

    compared: pl.DataFrame
    codes: list[str]


def _no_lap(step: str) -> None:
    return None


def simulate_frames(
    frames: FactsFrames,
    draft: Policy,
    groups: list[_Group] | list[Policy],
    as_of: dt.date,
    *,
    lap: Any = _no_lap,
) -> Simulated:
    """Run the draft and the baseline over the same frames and line them up per child."""
    baseline = [g if isinstance(g, _Group) else _Group(g) for g in groups]
    codes = list(dict.fromkeys([c.code for c in draft.categories] + _codes(baseline)))
    new = compile_policy(draft).run(frames, as_of)
    lap("draft")
    cur = _baseline_run(frames, baseline, codes, as_of)
    lap("baseline")
    drafted = set(c.code for c in draft.categories)
    compared = pl.concat(
        [
            frames.children.select("region_code"),
            cur,
            new.select(
                [
                    (pl.col(f"in.{c}") if c in drafted else pl.lit(False)).alias(f"new.{c}")
                    for c in codes
                ]
            ),
        ],
        how="horizontal",
    )
    lap("compare")
    return Simulated(compared, codes)


def _codes(groups: list[_Group]) -> list[str]:
    return [c.code for g in groups for c in g.policy.categories]


def _in_columns(out: pl.DataFrame, policy: Policy, codes: list[str]) -> list[pl.Expr]:
    own = {c.code for c in policy.categories}
    return [(pl.col(f"in.{c}") if c in own else pl.lit(False)).alias(f"cur.{c}") for c in codes]


def _baseline_run(
    frames: FactsFrames, groups: list[_Group], codes: list[str], as_of: dt.date
) -> pl.DataFrame:
    if len(groups) == 1 and not groups[0].prefix and not groups[0].excluded:
        out = compile_policy(groups[0].policy).run(frames, as_of)
        return out.select(_in_columns(out, groups[0].policy, codes))
    region = frames.children["region_code"]
    parts: list[pl.DataFrame] = []
    compiled: dict[str, CompiledPolicy] = {}  # provinces without an override share one
    for group in groups:
        if group.prefix:
            keep = region.str.starts_with(group.prefix)
        else:
            keep = pl.Series([True] * len(region), dtype=pl.Boolean)
            for prefix in group.excluded:
                keep = keep & ~region.str.starts_with(prefix)
        keep = keep.fill_null(False)
        if not keep.any():
            continue
        rows = pl.int_range(len(region), dtype=pl.Int64, eager=True).filter(keep)
        if group.policy.ref not in compiled:
            compiled[group.policy.ref] = compile_policy(group.policy)
        out = compiled[group.policy.ref].run(frames_subset(frames, keep), as_of)
        parts.append(
            out.select(_in_columns(out, group.policy, codes)).with_columns(rows.alias("_row"))
        )
    if not parts:
        return pl.DataFrame(schema={f"cur.{c}": pl.Boolean for c in codes})
    return pl.concat(parts).sort("_row").drop("_row")


def frames_subset(frames: FactsFrames, keep: pl.Series) -> FactsFrames:
    """The children where `keep` holds, with their lists, row indexes renumbered."""
    n = frames.children.height
    child_map = pl.DataFrame(
        {"_child": pl.int_range(n, dtype=pl.Int64, eager=True).filter(keep)}
    ).with_row_index("_new_child")
    child_map = child_map.with_columns(pl.col("_new_child").cast(pl.Int64))

    def relink(frame: pl.DataFrame) -> pl.DataFrame:
        return (
            frame.join(child_map, on="_child", how="inner", maintain_order="left")
            .with_columns(pl.col("_new_child").alias("_child"))
            .drop("_new_child")
        )

    parents = frames.parents.with_row_index("_old_parent").with_columns(
        pl.col("_old_parent").cast(pl.Int64)
    )
    parents = relink(parents)
    parent_map = parents.select("_old_parent").with_row_index("_new_parent")
    parent_map = parent_map.with_columns(pl.col("_new_parent").cast(pl.Int64))
    parents = parents.drop("_old_parent")

    conditions = (
        frames.conditions.join(
            parent_map.rename({"_old_parent": "_parent"}),
            on="_parent",
            how="inner",
            maintain_order="left",
        )
        .with_columns(pl.col("_new_parent").alias("_parent"))
        .drop("_new_parent")
    )
    conditions = relink(conditions)

    children = frames.children.filter(keep)
    remapped = []
    for role in ("father", "mother"):
        column = f"{role}._row"
        mapping = parent_map.rename({"_old_parent": column, "_new_parent": f"_{role}_new"})
        children = children.join(mapping, on=column, how="left", maintain_order="left")
        remapped.append(pl.col(f"_{role}_new").alias(column))
    children = children.with_columns(remapped).drop("_father_new", "_mother_new")
    return FactsFrames(
        children=children.select(frames.children.columns),
        parents=parents.select(frames.parents.columns),
        conditions=conditions.select(frames.conditions.columns),
        concerns=relink(frames.concerns).select(frames.concerns.columns),
        needs=relink(frames.needs).select(frames.needs.columns),
        receiving=relink(frames.receiving).select(frames.receiving.columns),
    )


def _moves(codes: list[str]) -> list[pl.Expr]:
    moves = []
    for c in codes:
        cur, new = pl.col(f"cur.{c}"), pl.col(f"new.{c}")
        moves += [(new & ~cur).alias(f"ent.{c}"), (cur & ~new).alias(f"left.{c}")]
    return moves


def summarise(compared: pl.DataFrame, codes: list[str]) -> dict[str, dict[str, Any]]:
    """{level: {region prefix: {"_n": children, code: [current, draft, entered, left]}}}."""
    loaded: dict[str, dict[str, Any]] = json.loads(summary_json(compared, codes))
    return loaded


def summary_json(compared: pl.DataFrame, codes: list[str]) -> str:
    """The summary as JSON text, written by Polars: a Python object per village would cost
    more than the whole classification, so the text is stored as it is."""
    counted = compared.lazy().with_columns(_moves(codes))
    kinds = ("cur", "new", "ent", "left")
    sums = [pl.len().alias("_n")]
    for c in codes:
        sums += [pl.col(f"{kind}.{c}").sum().cast(pl.Int64).alias(f"{kind}.{c}") for kind in kinds]
    parts: list[pl.Expr] = [pl.lit('"'), pl.col("_region"), pl.lit('":{"_n":'), pl.col("_n")]
    for c in codes:
        parts.append(pl.lit(f',"{c}":['))
        for i, kind in enumerate(kinds):
            parts += [pl.lit(",") if i else pl.lit(""), pl.col(f"{kind}.{c}")]
        parts.append(pl.lit("]"))
    parts.append(pl.lit("}"))
    levels = [
        counted.group_by(pl.col("region_code").str.slice(0, level).alias("_region"))
        .agg(sums)
        .sort("_region")
        .select(pl.concat_str(parts).str.join(",").alias("json"))
        for level in LEVELS
    ]
    texts = [frame.item() if frame.height else "" for frame in pl.collect_all(levels)]
    document = ",".join(
        f'"{level}":{{{text or ""}}}' for level, text in zip(LEVELS, texts, strict=True)
    )
    return "{" + document + "}"


def change_rows(compared: pl.DataFrame, codes: list[str]) -> pl.DataFrame:
    """One row per child and category that would change: child_id, category, direction,
    region_code."""
    moved = compared.lazy().with_columns(_moves(codes))
    parts = [
        moved.filter(pl.col(f"{kind}.{c}")).select(
            pl.col("child_id").cast(pl.Int64),
            pl.lit(c).alias("category"),
            pl.lit(direction).alias("direction"),
            pl.col("region_code"),
        )
        for c in codes
        for kind, direction in (
            ("ent", SimulationChange.Direction.ENTERED.value),
            ("left", SimulationChange.Direction.LEFT.value),
        )
    ]
    if not parts:
        return pl.DataFrame(
            schema={
                "child_id": pl.Int64,
                "category": pl.String,
                "direction": pl.String,
                "region_code": pl.String,
            }
        )
    return pl.concat(pl.collect_all(parts))


_CHANGE_COLUMNS = ["simulation_id", "child_id", "category", "direction", "region_code"]


def _store_changes(simulation: Simulation, changes: pl.DataFrame) -> None:
    if not changes.height:
        return
    rows = changes.select(
        pl.lit(simulation.pk, dtype=pl.Int64).alias("simulation_id"),
        "child_id",
        "category",
        "direction",
        "region_code",
    )
    if connection.vendor == "postgresql":
        buffer = io.BytesIO()
        rows.write_csv(buffer, include_header=False)
        table = SimulationChange._meta.db_table
        columns = ", ".join(f'"{c}"' for c in _CHANGE_COLUMNS)
        statement = f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)"
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            copy.write(buffer.getvalue())
        return
    SimulationChange.objects.bulk_create(
        [
            SimulationChange(
                simulation_id=sim, child_id=child, category=code, direction=way, region_code=r
            )
            for sim, child, code, way, r in rows.iter_rows()
        ],
        batch_size=2000,
    )
