"""The roll of a month, computed over a whole population at once (ADR 0009).

A county's (or a province's) monthly roll is not a loop over children. The entitlement of a
child for a month depends on few things: the region's standards (one set per county), the
categories the child is enrolled in that month, and whether the child lives in an
institution; then, per child, the top-up subtracts what the child already receives. So:

1. the enrolments running in the month (started, not stopped, the child not aged out) are
   filtered in Polars, one row per enrolment;
2. they are grouped per child into a key (county, sorted categories, institution or not);
3. the one-child rules (hehu.benefits.standards.entitlements.month_entitlements) are
   evaluated once per distinct key — a few hundred for a province — giving the programmes,
   standards and reasons;
4. the key's results are joined back to the children, and the top-up is one vectorised
   subtraction of what each child receives.

The one-child function stays the single statement of the rules; a property test proves the
roll and the one-child function agree child by child (tests/test_roll_agreement.py).

Pure Python and Polars: the frames come from hehu.benefits.roll.inputs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from hehu.benefits.standards import Standards
from hehu.benefits.standards.entitlements import month_entitlements
from hehu.policy.engine.model import Text

ADULT_AGE = 18
# Categories paid on after 18 by national rule (tekun support continues as adult support).
CONTINUES_AFTER_ADULTHOOD = frozenset({"tekun_minor"})
# Full-time education after 18 may continue an allowance where the region says so
# (parameter student_continuation_age).
FULL_TIME_STUDENT = frozenset({"senior_secondary", "secondary_vocational", "higher"})
STUDENT_AGE_PARAMETER = "student_continuation_age"
INSTITUTION = "institution"
FEN = Decimal("0.01")

# The enrolments frame: one row per enrolment that may run in the months asked for.
ENROLMENT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "enrolment_id": pl.Int64,
    "child_id": pl.Int64,
    "category": pl.String,
    "county_code": pl.String,
    "starts_month": pl.Date,
    "stops_month": pl.Date,  # null while running
    "birth_date": pl.Date,
    "living_arrangement": pl.String,
    "education": pl.String,
}
# What children already receive from other programmes (facts `receiving`).
RECEIVING_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "child_id": pl.Int64,
    "programme": pl.String,
    "monthly_amount": pl.Float64,
}

LINE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "child_id": pl.Int64,
    "programme": pl.String,
    "service_month": pl.Date,
    "amount": pl.Decimal(12, 2),
    "standard_amount": pl.Decimal(12, 2),
    "reasons": pl.Object,
    "county_code": pl.String,  # the county of the enrolments that pay it this month
}


@dataclass(frozen=True)
class KeyResult:
    """What the one-child rules give for one key, before the child's own top-up."""

    programme: str
    standard: Decimal
    top_up: bool
    reasons: tuple[Text, ...]


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _age_limit_month(birth: dt.date, years: int) -> dt.date:
    """The last month paid when payment stops from the month after turning `years`."""
    return _add_years(birth, years).replace(day=1)


def running_in(
    enrolments: pl.DataFrame, month: dt.date, student_age: dict[str, int]
) -> pl.DataFrame:
    """The enrolments that pay in `month`: started, not stopped, the child not aged out.

    `student_age` maps a county to its student continuation age (18: none).
    """
    frame = enrolments.filter(
        (pl.col("starts_month") <= month)
        & (pl.col("stops_month").is_null() | (pl.col("stops_month") > month))
    )
    if frame.is_empty():
        return frame
    limit = pl.col("county_code").replace_strict(
        student_age, default=ADULT_AGE, return_dtype=pl.Int32
    )
    age_years = pl.when(pl.col("education").is_in(list(FULL_TIME_STUDENT))).then(
        pl.max_horizontal(limit, pl.lit(ADULT_AGE))
    )
    years = age_years.otherwise(pl.lit(ADULT_AGE))
    # The month of the birthday at `years`: birth month + 12 × years.
    birthday_month = pl.col("birth_date").dt.truncate("1mo").dt.offset_by(pl.format("{}y", years))
    in_age = pl.lit(month) <= birthday_month
    return frame.filter(in_age | pl.col("category").is_in(list(CONTINUES_AFTER_ADULTHOOD)))


def child_keys(running: pl.DataFrame) -> pl.DataFrame:
    """One row per child: county, the sorted categories joined by ',', institution or not."""
    return running.group_by("child_id").agg(
        pl.col("county_code").first(),
        pl.col("category").unique().sort().str.join(",").alias("categories"),
        (pl.col("living_arrangement").first() == INSTITUTION).alias("institution"),
    )


def evaluate_key(
    standards: Standards, county: str, categories: Iterable[str], institution: bool, month: dt.date
) -> list[KeyResult]:
    """The one-child rules for a key (no receiving: the top-up is applied per child)."""
    held = [c for c in categories if c]
    result = month_entitlements(
        standards=standards,
        region_code=county,
        month=month,
        categories=held,
        living_arrangement=INSTITUTION if institution else "with_relatives",
        confirmed_on={c: dt.date(1900, 1, 1) for c in held},
    )
    out = []
    for entitlement in result.paid:
        programme = standards.programmes[entitlement.programme]
        out.append(
            KeyResult(
                programme=entitlement.programme,
                standard=entitlement.monthly_amount,
                top_up=programme.stacking.rule == "top_up",
                reasons=entitlement.reasons,
            )
        )
    return out


def month_lines(
    *,
    standards: Standards,
    enrolments: pl.DataFrame,
    receiving: pl.DataFrame,
    month: dt.date,
    student_age: dict[str, int],
) -> pl.DataFrame:
    """The roll's monthly lines for `month`: one row per child and programme paid.

    Columns: child_id, programme, service_month, amount, standard_amount (Decimal),
    reasons (a tuple of Text per row; shared between the children of a key), county_code
    (of the enrolments running that month: a child who moved is paid by the new county).
    """
    running = running_in(enrolments, month, student_age)
    if running.is_empty():
        return pl.DataFrame(schema=LINE_SCHEMA)
    keys = child_keys(running)
    distinct = keys.select("county_code", "categories", "institution").unique()
    rows: list[tuple[str, str, bool, str, Decimal, bool, object]] = []
    for county, categories, institution in distinct.iter_rows():
        for result in evaluate_key(standards, county, categories.split(","), institution, month):
            rows.append(
                (
                    county,
                    categories,
                    institution,
                    result.programme,
                    result.standard,
                    result.top_up,
                    result.reasons,
                )
            )
    if not rows:
        return pl.DataFrame(schema=LINE_SCHEMA)
    results = pl.DataFrame(
        rows,
        schema={
            "county_code": pl.String,
            "categories": pl.String,
            "institution": pl.Boolean,
            "programme": pl.String,
            "standard_amount": pl.Decimal(12, 2),
            "top_up": pl.Boolean,
            "key_reasons": pl.Object,
        },
        orient="row",
    )
    lines = keys.join(results, on=["county_code", "categories", "institution"], how="inner")
    # Top-up: what the child receives from *other* programmes is subtracted, never below 0.
    totals = receiving.group_by("child_id").agg(pl.col("monthly_amount").sum().alias("received"))
    own = receiving.rename({"monthly_amount": "own"})
    lines = (
        lines.join(totals, on="child_id", how="left")
        .join(own, on=["child_id", "programme"], how="left")
        .with_columns(
            pl.when(pl.col("top_up"))
            .then(pl.col("received").fill_null(0.0) - pl.col("own").fill_null(0.0))
            .otherwise(0.0)
            .alias("deduct")
        )
    )
    return _finish(lines, month)


def _finish(lines: pl.DataFrame, month: dt.date) -> pl.DataFrame:
    """Amounts in Decimal (the deduction read as Decimal from its text: money is never a
    float), reasons with the child's own top-up reason where there is one."""
    out_rows = []
    for child_id, programme, standard, deduct, reasons, county in lines.select(
        "child_id", "programme", "standard_amount", "deduct", "key_reasons", "county_code"
    ).iter_rows():
        amount = standard
        if deduct:
            received = Decimal(str(deduct)).quantize(FEN)
            amount = max(standard - received, Decimal("0.00"))
            reasons = (
                *reasons,
                Text(
                    f"已领取其他保障每月 {received} 元，补差发放",
                    f"already receives {received} a month from other programmes: "
                    f"the difference is paid",
                ),
            )
        out_rows.append((child_id, programme, month, amount, standard, reasons, county))
    return pl.DataFrame(out_rows, schema=LINE_SCHEMA, orient="row")
