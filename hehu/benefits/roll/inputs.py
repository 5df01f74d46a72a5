"""The roll's inputs read from the database as Polars frames, set-based (ADR 0009)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl
from django.db.models import Q, QuerySet

from hehu.benefits.catalogue import standards
from hehu.benefits.models import Enrolment
from hehu.benefits.roll.compute import (
    ADULT_AGE,
    ENROLMENT_SCHEMA,
    RECEIVING_SCHEMA,
    STUDENT_AGE_PARAMETER,
)
from hehu.registry.models import Child, Receiving


def enrolments_between(
    county_codes: Sequence[str], first: dt.date, last: dt.date
) -> QuerySet[Enrolment]:
    """Enrolments of the counties that may run in a month from `first` to `last`, of
    children whose file is active."""
    return Enrolment.objects.filter(
        Q(stops_month__isnull=True) | Q(stops_month__gt=first),
        county_code__in=list(county_codes),
        starts_month__lte=last,
        child__status=Child.Status.ACTIVE,
    )


def enrolment_frame(enrolments: QuerySet[Enrolment]) -> pl.DataFrame:
    rows = enrolments.values_list(
        "id",
        "child_id",
        "category",
        "county_code",
        "starts_month",
        "stops_month",
        "child__birth_date",
        "child__living_arrangement",
        "child__education",
    ).order_by()
    return pl.DataFrame(list(rows), schema=ENROLMENT_SCHEMA, orient="row")


def receiving_frame(enrolments: QuerySet[Enrolment]) -> pl.DataFrame:
    """What the enrolled children already receive (one row per child and programme)."""
    rows = (
        Receiving.objects.filter(child_id__in=enrolments.values("child_id"), monthly_amount__gt=0)
        .values_list("child_id", "programme", "monthly_amount")
        .order_by()
    )
    frame = pl.DataFrame(
        [(c, p, float(a)) for c, p, a in rows], schema=RECEIVING_SCHEMA, orient="row"
    )
    # The same programme listed twice counts once per listing (as the facts say).
    return frame.group_by("child_id", "programme").agg(pl.col("monthly_amount").sum())


def student_ages(county_codes: Sequence[str], month: dt.date) -> dict[str, int]:
    """Each county's student continuation age in `month` (18 where none is set)."""
    parameter = standards().parameters.get(STUDENT_AGE_PARAMETER)
    ages: dict[str, int] = {}
    for county in county_codes:
        value = parameter.value_for(county, month) if parameter is not None else None
        ages[county] = int(value) if value is not None else ADULT_AGE
    return ages
