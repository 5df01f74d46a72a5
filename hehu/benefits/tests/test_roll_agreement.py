"""One rule, two engines: the compiled roll of a month gives every child exactly what the
one-child entitlement function gives (programmes and amounts), for generated children."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hehu.benefits.catalogue import standards
from hehu.benefits.child_entitlements import running_categories
from hehu.benefits.models import Enrolment
from hehu.benefits.roll.compute import ENROLMENT_SCHEMA, RECEIVING_SCHEMA, month_lines
from hehu.benefits.roll.inputs import student_ages
from hehu.benefits.standards.entitlements import Received, month_entitlements
from hehu.registry.models import Child

CATEGORIES = ["orphan", "de_facto_unattended", "tekun_minor", "dibao_child", "disabled_child"]
COUNTIES = ["511502", "511524", "510104"]
MONTHS = [dt.date(2025, m, 1) for m in range(1, 13)] + [dt.date(2026, m, 1) for m in range(1, 7)]

child_strategy = st.fixed_dictionaries(
    {
        "categories": st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3, unique=True),
        "county": st.sampled_from(COUNTIES),
        "starts": st.sampled_from(MONTHS),
        "stops": st.one_of(st.none(), st.sampled_from(MONTHS)),
        "birth": st.dates(dt.date(2005, 1, 1), dt.date(2024, 12, 31)),
        "institution": st.booleans(),
        "education": st.sampled_from(["none", "primary", "senior_secondary", "higher"]),
        "receiving": st.lists(
            st.tuples(
                st.sampled_from(["dibao", "tekun_minor", "disabled_living", "de_facto_unattended"]),
                st.integers(0, 2500),
            ),
            max_size=2,
            unique_by=lambda r: r[0],
        ),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(children=st.lists(child_strategy, min_size=1, max_size=12), month=st.sampled_from(MONTHS))
def test_the_compiled_roll_agrees_with_the_one_child_rules(children, month) -> None:
    rows, receiving = [], []
    for n, child in enumerate(children, start=1):
        for category in child["categories"]:
            stops = child["stops"] if child["stops"] and child["stops"] >= child["starts"] else None
            rows.append(
                (
                    len(rows) + 1,
                    n,
                    category,
                    child["county"],
                    child["starts"],
                    stops,
                    child["birth"],
                    "institution" if child["institution"] else "with_relatives",
                    child["education"],
                )
            )
        receiving += [(n, programme, float(amount)) for programme, amount in child["receiving"]]
    lines = month_lines(
        standards=standards(),
        enrolments=pl.DataFrame(rows, schema=ENROLMENT_SCHEMA, orient="row"),
        receiving=pl.DataFrame(receiving, schema=RECEIVING_SCHEMA, orient="row"),
        month=month,
        student_age=student_ages(COUNTIES, month),
    )
    compiled: dict[int, dict[str, Decimal]] = {}
    for child_id, programme, _m, amount, _standard, _reasons, _county in lines.iter_rows():
        compiled.setdefault(child_id, {})[programme] = amount

    for n, child in enumerate(children, start=1):
        person = Child(
            birth_date=child["birth"],
            education=child["education"],
            living_arrangement="institution" if child["institution"] else "with_relatives",
        )
        enrolments = [
            Enrolment(
                category=row[2],
                county_code=row[3],
                starts_month=row[4],
                stops_month=row[5],
            )
            for row in rows
            if row[1] == n
        ]
        running = running_categories(person, month, enrolments)
        expected = month_entitlements(
            standards=standards(),
            region_code=child["county"],
            month=month,
            categories=list(running),
            living_arrangement=person.living_arrangement,
            receiving=[Received(p, Decimal(a)) for p, a in child["receiving"]],
            confirmed_on={c: dt.date(1900, 1, 1) for c in running},
        )
        assert compiled.get(n, {}) == {e.programme: e.monthly_amount for e in expected.paid}, (
            child,
            month,
        )
