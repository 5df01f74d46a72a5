from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from hehu.accounts.models import Role, User
from hehu.demo.services import DEMO_PASSWORD, demo_load
from hehu.demo.tests.checks import assert_child_obeys_registry_rules, assert_conditions_are_dated
from hehu.regions.demo import DEMO_COUNTIES
from hehu.regions.models import Region
from hehu.registry.models import Child, Household, Parent

AS_OF = dt.date(2026, 3, 1)


@pytest.fixture
def loaded(db):
    return demo_load(children=300, seed=7, as_of=AS_OF)


def test_it_loads_national_regions_and_the_required_demo_codes(loaded):
    assert Region.objects.filter(level=Region.Level.COUNTY).count() > 2800
    for code in ("511502001001", "511524100201", "511526200201"):
        assert Region.objects.get(code=code).is_demo
    for county in DEMO_COUNTIES:
        assert Region.objects.filter(code__startswith=county, level=Region.Level.VILLAGE).exists()


def test_it_opens_one_account_per_role_with_the_demo_password(loaded):
    assert {u.role for u in User.objects.all()} == set(Role.values)
    assert User.objects.get(username="county").check_password(DEMO_PASSWORD)


def test_children_are_spread_over_demo_villages_of_every_county(loaded):
    children = Child.objects.select_related("region")
    assert children.count() == 300
    assert all(c.region.is_demo and c.region.level == Region.Level.VILLAGE for c in children)
    assert {c.region_id[:6] for c in children} == set(DEMO_COUNTIES)


def test_every_child_obeys_the_registry_rules(loaded):
    for child in Child.objects.all():
        assert_child_obeys_registry_rules(child, as_of=AS_OF)


def test_most_children_have_an_id_number_and_some_do_not(loaded):
    without = Child.objects.filter(id_number_index__isnull=True).count()
    assert 0 < without < 30


def test_parent_conditions_are_dated_with_evidence(loaded):
    assert_conditions_are_dated(as_of=AS_OF)


def test_families_have_two_parents_per_child_and_a_household(loaded):
    assert Parent.objects.count() == 2 * 300
    assert not Child.objects.filter(household__isnull=True).exists()
    assert Household.objects.count() < 300  # siblings share a household


def test_it_shows_left_behind_and_dibao_families(loaded):
    assert Parent.objects.filter(migrant_worker=True).exists()
    assert Household.objects.filter(dibao=True, dibao_child_amount__gt=0).exists()


def test_if_empty_loads_nothing_a_second_time(loaded):
    before = (Child.objects.count(), User.objects.count(), Household.objects.count())
    again = demo_load(children=300, seed=7, if_empty=True, as_of=AS_OF)
    assert again.skipped
    assert (Child.objects.count(), User.objects.count(), Household.objects.count()) == before


def test_the_command_prints_what_it_loaded_and_the_demo_accounts(db):
    out = StringIO()
    call_command("demo_load", children=40, seed=1, as_of=AS_OF, stdout=out)
    text = out.getvalue()
    assert "40 children" in text
    assert DEMO_PASSWORD in text
    assert "director" in text
    assert "county" in text
    out = StringIO()
    call_command("demo_load", "--if-empty", stdout=out)
    assert "nothing loaded" in out.getvalue()
    assert Child.objects.count() == 40


def test_it_classifies_every_demo_child_under_the_policy_in_force(loaded):
    from hehu.policy.models import ChildClassification, PopulationRun

    run = PopulationRun.objects.get()
    assert run.status == PopulationRun.Status.DONE
    assert run.as_of == AS_OF
    assert ChildClassification.objects.count() == 300
    # The demo over-samples the rare categories: the first two must be there.
    assert loaded.categories["orphan"] > 0
    assert loaded.categories["de_facto_unattended"] > 0
