from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from hehu.demo.services import PopulationRefused, chunks_plan, population_generate
from hehu.demo.tests.checks import assert_child_obeys_registry_rules, assert_conditions_are_dated
from hehu.demo.writers import copy_text, registry_tables
from hehu.regions.models import Region
from hehu.registry.models import Child, Household, Parent, ParentCondition

AS_OF = dt.date(2026, 3, 1)


def test_it_writes_children_whose_files_obey_the_registry_rules(db):
    report = population_generate(
        children=400, seed=3, counties=2, province="51", city="5115", workers=1,
        chunk_size=150, as_of=AS_OF,
    )  # fmt: skip
    assert report.counties == ["511502", "511503"]
    assert Child.objects.count() == report.counts["children"] == 400
    assert Parent.objects.count() == report.counts["parents"] == 800
    assert Household.objects.count() == report.counts["households"]
    assert ParentCondition.objects.count() == report.counts["conditions"]
    for child in Child.objects.select_related("region", "hukou_region"):
        assert child.region.level == Region.Level.VILLAGE
        assert child.region_id[:6] in report.counties
        assert child.hukou_region.level == Region.Level.VILLAGE
        assert_child_obeys_registry_rules(child, as_of=AS_OF)
    assert_conditions_are_dated(as_of=AS_OF)


def test_children_are_shared_equally_between_counties(db):
    population_generate(children=301, seed=1, counties=3, province="51", city="5115",
                        workers=1, as_of=AS_OF)  # fmt: skip
    per_county = sorted(
        Child.objects.filter(region__code__startswith=c).count()
        for c in ("511502", "511503", "511504")
    )
    assert per_county == [100, 100, 101]


def test_it_refuses_counties_that_already_hold_children(db):
    population_generate(children=50, seed=1, counties=1, province="51", city="5115",
                        workers=1, as_of=AS_OF)  # fmt: skip
    with pytest.raises(PopulationRefused, match="511502"):
        population_generate(children=50, seed=2, counties=1, province="51", city="5115",
                            workers=1, as_of=AS_OF)  # fmt: skip
    assert Child.objects.count() == 50


def constraint_names() -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        return {
            (table, name)
            for table in registry_tables()
            for name in connection.introspection.get_constraints(cursor, table)
        }


@pytest.mark.django_db(transaction=True)
def test_a_parallel_load_with_rebuilt_indexes_keeps_every_index_and_constraint():
    # On PostgreSQL: two worker processes COPY while indexes and keys are dropped, then
    # rebuilt (each foreign key re-validated). Elsewhere the load runs in-line.
    before = constraint_names()
    report = population_generate(
        children=600, seed=5, counties=2, province="51", city="5115", workers=2,
        chunk_size=100, as_of=AS_OF, rebuild_indexes=True,
    )  # fmt: skip
    assert constraint_names() == before
    assert Child.objects.count() == 600
    assert len(set(Child.objects.values_list("id_number_index", flat=True))) > 550
    assert report.workers == (2 if connection.vendor == "postgresql" else 1)
    child = Child.objects.order_by("-pk").first()
    assert_child_obeys_registry_rules(child, as_of=AS_OF)
    # New files get keys after the generated ones.
    assert Household.objects.create(region_id=child.region_id).pk > child.household_id


def test_chunks_cover_every_child_once():
    plan = chunks_plan(["511502", "511503"], 1001, 100)
    assert sum(c.count for c in plan) == 1001
    assert [c.first for c in plan] == [sum(c.count for c in plan[:i]) for i in range(len(plan))]
    assert {c.slots for c in plan if c.county == "511502"} == {6}


def test_a_huge_county_is_cut_into_at_most_a_hundred_chunks():
    plan = chunks_plan(["511502"], 5_000_000, 20_000)
    assert len(plan) == 100
    assert sum(c.count for c in plan) == 5_000_000


def test_copy_text_escapes_what_would_break_a_row():
    assert copy_text("a\tb\\c\nd") == "a\\tb\\\\c\\nd"
    assert copy_text(None) == "\\N"
    assert copy_text(True) == "t"
    assert copy_text(dt.date(2020, 2, 29)) == "2020-02-29"


def test_the_command_prints_rows_and_rate(db):
    out = StringIO()
    call_command("generate_population", children=60, counties=1, workers=1, stdout=out,
                 stderr=StringIO())  # fmt: skip
    assert "rows/s" in out.getvalue()
    assert Child.objects.count() == 60
    with pytest.raises(CommandError, match="already hold children"):
        call_command("generate_population", children=60, counties=1, stdout=StringIO(),
                     stderr=StringIO())  # fmt: skip
