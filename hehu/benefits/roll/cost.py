"""The cost effect of a draft policy (policy simulation): what the children of the scope
would be paid a month under the draft's categories against the policy in force.

Pure Polars over the simulation's frames: every child is treated as enrolled in the benefit
categories each policy gives it (the county's confirmation is assumed), and the month's roll
is computed twice with the same compiled rules as a payment cycle
(hehu.benefits.roll.compute). Who gains, who loses, by how much, by programme and county.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl

from hehu.benefits.roll.compute import ENROLMENT_SCHEMA, RECEIVING_SCHEMA, month_lines
from hehu.benefits.standards import Standards

ZERO = Decimal("0.00")


def _enrolments(
    compared: pl.DataFrame, children: pl.DataFrame, side: str, codes: list[str], month: dt.date
) -> pl.DataFrame:
    base = pl.DataFrame(
        {
            "child_id": pl.int_range(children.height, dtype=pl.Int64, eager=True),
            "county_code": children["region_code"].str.slice(0, 6),
            "birth_date": children["birth_date"],
            "living_arrangement": children["living_arrangement"].cast(pl.String),
            # The facts call the education level `in_full_time_education` (an enum of levels).
            "education": children["in_full_time_education"].cast(pl.String),
        }
    )
    parts = []
    for code in codes:
        column = f"{side}.{code}"
        if column not in compared.columns:
            continue
        held = compared[column].fill_null(False)
        parts.append(base.filter(held).with_columns(pl.lit(code).alias("category")))
    if not parts:
        return pl.DataFrame(schema=ENROLMENT_SCHEMA)
    frame = pl.concat(parts)
    return frame.with_columns(
        pl.int_range(frame.height, dtype=pl.Int64).alias("enrolment_id"),
        pl.lit(month).alias("starts_month"),
        pl.lit(None, dtype=pl.Date).alias("stops_month"),
    ).select(list(ENROLMENT_SCHEMA))


def _totals(lines: pl.DataFrame) -> dict[int, Decimal]:
    out: dict[int, Decimal] = {}
    for child, amount in lines.select("child_id", "amount").iter_rows():
        out[child] = out.get(child, ZERO) + amount
    return out


def cost_effect(
    *,
    standards: Standards,
    compared: pl.DataFrame,
    children: pl.DataFrame,
    receiving: pl.DataFrame,
    codes: list[str],
    month: dt.date,
    student_age: dict[str, int],
) -> dict[str, Any]:
    """Monthly cost under the baseline (`cur.*`) and the draft (`new.*`) categories.

    `children` and `compared` are row-aligned (a simulation's frames); `receiving` is the
    facts frame (`_child` = row). Amounts are strings of yuan (JSON keeps them exact).
    """
    benefit = {c for p in standards.programmes.values() for c in p.categories}
    used = [c for c in codes if c in benefit]
    paid = (
        receiving.rename({"_child": "child_id"})
        .select(list(RECEIVING_SCHEMA))
        .group_by("child_id", "programme")
        .agg(pl.col("monthly_amount").sum())
    )
    runs = {}
    for side in ("cur", "new"):
        runs[side] = month_lines(
            standards=standards,
            enrolments=_enrolments(compared, children, side, used, month),
            receiving=paid,
            month=month,
            student_age=student_age,
        )
    before, after = _totals(runs["cur"]), _totals(runs["new"])
    gainers = losers = 0
    gained = lost = ZERO
    counties: dict[str, dict[str, Decimal]] = {}
    county_of = children["region_code"].str.slice(0, 6).to_list()
    for child in set(before) | set(after):
        delta = after.get(child, ZERO) - before.get(child, ZERO)
        if delta > 0:
            gainers += 1
            gained += delta
        elif delta < 0:
            losers += 1
            lost -= delta
        if delta:
            row = counties.setdefault(county_of[child], {"before": ZERO, "after": ZERO})
            row["before"] += before.get(child, ZERO)
            row["after"] += after.get(child, ZERO)
    programmes: dict[str, dict[str, str]] = {}
    for side, key in (("cur", "before"), ("new", "after")):
        for programme, amount, n in (
            runs[side]
            .group_by("programme")
            .agg(pl.col("amount").sum(), pl.len().alias("children"))
            .iter_rows()
        ):
            entry = programmes.setdefault(
                programme,
                {"before": "0.00", "after": "0.00", "children_before": "0", "children_after": "0"},
            )
            entry[key] = str(amount)
            entry[f"children_{key}"] = str(n)
    monthly_before = sum(before.values(), ZERO)
    monthly_after = sum(after.values(), ZERO)
    return {
        "month": f"{month:%Y-%m}",
        "monthly_before": str(monthly_before),
        "monthly_after": str(monthly_after),
        "monthly_change": str(monthly_after - monthly_before),
        "annual_change": str((monthly_after - monthly_before) * 12),
        "paid_before": len(before),
        "paid_after": len(after),
        "gainers": gainers,
        "gained": str(gained),
        "losers": losers,
        "lost": str(lost),
        "programmes": programmes,
        "counties": {
            county: {"before": str(v["before"]), "after": str(v["after"])}
            for county, v in sorted(counties.items())
        },
    }


def programme_rows(
    cost: dict[str, Any], standards: Standards, language: str
) -> list[dict[str, Any]]:
    """The cost effect by programme, for display: label, before, after, change, children."""
    rows = []
    for code, entry in sorted(cost.get("programmes", {}).items()):
        programme = standards.programmes.get(code)
        label = programme.label.get(language) if programme is not None else code
        before, after = Decimal(entry["before"]), Decimal(entry["after"])
        rows.append(
            {
                "code": code,
                "label": label,
                "before": before,
                "after": after,
                "change": after - before,
                "children_before": int(entry["children_before"]),
                "children_after": int(entry["children_after"]),
            }
        )
    return rows
