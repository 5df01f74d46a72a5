"""Running the derived columns: added to the frames in dependency order, a frame at a time.

Steps of the same depth and source frame are computed in one lazy `select`; each result
is then a column of its own frame (`let`), gathered into another by row index (`gather`),
or aggregated per row of its target by a scatter (`exists`, `all`, `exists_one`,
`count`) — no Python loop over groups.
"""

from __future__ import annotations

from collections import defaultdict

import polars as pl

from hehu.policy.engine.columnar.values import Step, StepOp
from hehu.policy.engine.frames import FactsFrames


def scatter(op: StepOp, body: pl.Series, index: pl.Series, rows: int) -> pl.Series:
    """Per target row, `op` over the source rows pointing at it (a scatter, no group loop)."""
    holds = body.fill_null(False)
    if op == "exists":
        return pl.repeat(False, rows, eager=True).scatter(index.filter(holds), True)
    if op == "all":
        return pl.repeat(True, rows, eager=True).scatter(index.filter(~holds), False)
    counted = index.filter(holds).value_counts(name="_n")
    counts = pl.repeat(0, rows, dtype=pl.Int64, eager=True).scatter(
        counted[index.name], counted["_n"].cast(pl.Int64)
    )
    return counts if op == "count" else counts == 1


def run_steps(steps: list[Step], frames: FactsFrames) -> dict[str, pl.DataFrame]:
    """The frames with every derived column added, in dependency order."""
    tables = {
        name: frames.frame(name)
        for name in ("children", "parents", "conditions", "concerns", "needs", "receiving")
    }
    by_depth: dict[int, list[Step]] = defaultdict(list)
    for step in steps:
        by_depth[step.depth].append(step)
    for depth in sorted(by_depth):
        by_source: dict[str, list[Step]] = defaultdict(list)
        for step in by_depth[depth]:
            by_source[step.source].append(step)
        added: dict[str, list[pl.Series]] = defaultdict(list)
        for source, group in by_source.items():
            names = [s.name for s in group]
            computed = (
                tables[source]
                .lazy()
                .with_columns([s.expr.alias(s.name) for s in group])
                .select(names)
                .collect()
            )
            for step in group:
                body = computed[step.name]
                into = tables[step.target]
                if step.op == "let":
                    column = body
                elif step.op == "gather":
                    column = body.gather(into[step.index])
                else:
                    column = scatter(step.op, body, tables[source][step.index], into.height)
                added[step.target].append(column.alias(step.name))
        for target, columns in added.items():
            tables[target] = tables[target].with_columns(columns)
    return tables
