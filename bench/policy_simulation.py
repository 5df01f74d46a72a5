"""Benchmark of a draft-vs-current simulation with the per-region diff (issue 3: ≤ 5 s for
1,000,000 children).

Run:

    .venv/bin/python bench/policy_simulation.py --children 100000
    .venv/bin/python bench/policy_simulation.py --children 1000000 --by-province 31

Prints a table (no asserts). The frames are synthetic, built once in memory outside the
timings (bench/policy_engine.py's generator), with region codes spread over about 50,000
villages of 31 provinces. Timed, as `simulation_run` does them after reading the registry:

- draft: the draft compiled and run (policies/cn-national.yaml with the left-behind age
  raised to 18, dibao_child dropped and a low-income category added);
- baseline: the national policy run (with --by-province K: the first K provinces each
  under their own group, as when provincial overrides are in force — frames subset);
- compare: current and draft lined up per child;
- aggregate: current, draft, entered and left per category at the six levels (group_by);
- changes: the rows of the children who would enter or leave a category.

Storing the change rows (COPY on PostgreSQL) is not included; it is one COPY of
`changes` rows.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from policy_engine import AS_OF, synthetic  # noqa: E402

from hehu.policy.engine.frames import FactsFrames  # noqa: E402
from hehu.policy.engine.load import load_policy_file, load_policy_text  # noqa: E402
from hehu.policy.simulation.services import (  # noqa: E402
    _Group,
    change_rows,
    simulate_frames,
    summary_json,
)

NATIONAL = ROOT / "policies" / "cn-national.yaml"
NEW_CATEGORY = """  - code: low_income_child
    name: {zh: 低收入家庭儿童, en: "child in a low-income household"}
    clauses:
      - is_minor
      - label: {zh: 家庭为低收入家庭, en: "low-income household"}
        when: household.low_income == true

umbrellas:"""


def draft_text() -> str:
    text = NATIONAL.read_text(encoding="utf-8").replace('version: "2026.1"', 'version: "2027.1"')
    age = '"left-behind children are under this age"}\n    values:\n      - value: 16'
    text = text.replace(age, age[:-2] + "18")
    start, end = text.index("  - code: dibao_child"), text.index("  - code: disabled_child")
    text = text[:start] + text[end:]
    text = text.replace("any_of: [tekun_minor, dibao_child]", "any_of: [tekun_minor]")
    return text.replace("umbrellas:", NEW_CATEGORY, 1)


def with_regions(frames: FactsFrames, villages: int = 50_000) -> FactsFrames:
    """Region codes over `villages` villages: 31 provinces, 12 cities, 9 counties, …"""
    n = frames.children.height
    v = (pl.int_range(n, dtype=pl.Int64).hash(11) % villages).cast(pl.Int64)
    code = (
        (11 + v % 31) * 10**10
        + (1 + v // 31 % 12) * 10**8
        + (1 + v // 372 % 9) * 10**6
        + (1 + v // 3348 % 15) * 10**3
        + (1 + v // 50 % 300)
    )
    children = frames.children.with_columns(code.cast(pl.String).alias("region_code"))
    return FactsFrames(
        children=children,
        parents=frames.parents,
        conditions=frames.conditions,
        concerns=frames.concerns,
        receiving=frames.receiving,
    )


def measure(n: int, by_province: int) -> dict[str, object]:
    frames = with_regions(synthetic(n))
    draft = load_policy_text(draft_text(), file="draft.yaml")
    current = load_policy_file(NATIONAL)
    provinces = [str(11 + i) for i in range(by_province)]
    groups = [_Group(current, prefix=p) for p in provinces]
    groups.append(_Group(current, excluded=tuple(provinces)))
    # Compile once outside the timings (a server keeps compiled plans per process).
    simulate_frames(with_regions(synthetic(1000)), draft, groups, AS_OF)

    laps: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        laps[step] = now - clock
        clock = now

    started = time.perf_counter()
    result = simulate_frames(frames, draft, groups, AS_OF, lap=lap)
    compared = result.compared.with_columns(pl.int_range(n, dtype=pl.Int64).alias("child_id"))
    summary = summary_json(compared, result.codes)
    lap("aggregate")
    changes = change_rows(compared, result.codes)
    lap("changes")
    total = time.perf_counter() - started
    regions = summary.count('"_n"')
    return {
        "children": n,
        **laps,
        "total": total,
        "regions": regions,
        "changed": changes.height,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, nargs="+", default=[100_000])
    parser.add_argument(
        "--by-province", type=int, default=0, help="run the baseline in K province groups"
    )
    args = parser.parse_args()
    print(f"as of {AS_OF.isoformat()}, {os.cpu_count()} cores, polars {pl.__version__}")
    steps = ["draft", "baseline", "compare", "aggregate", "changes", "total"]
    print(f"{'children':>10} " + " ".join(f"{s:>9}" for s in steps) + "   regions  changed  peak")
    for n in args.children:
        row = measure(n, args.by_province)
        times = " ".join(f"{float(row[s]):>8.3f}s" for s in steps)  # type: ignore[arg-type]
        print(
            f"{n:>10,} {times} {row['regions']:>9,} {row['changed']:>8,}"
            f" {float(row['peak_mb']):>5.0f}MB"  # type: ignore[arg-type]
        )


if __name__ == "__main__":
    main()
