"""The demo's in-kind supply: a catalogue with stock for county 511502, one item below its
warning level, and two distributions — one meeting the orphan's approved plan."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from hehu.accounts.models import User
from hehu.demo.tests.test_casework import AS_OF, NOW, _load
from hehu.supply.demo import load_supply_demo
from hehu.supply.models import Distribution, SupplyItem
from hehu.supply.selectors import county_stock, plan_promises
from hehu.supply.tests.factories import (
    VILLAGE,
    approved_plan,
    county_officer,
    director,
    in_kind,
    make_child,
)


def test_it_makes_a_catalogue_with_stock_and_two_distributions(db: Any) -> None:
    county_officer(username="county")
    director(username="director")
    child = make_child()
    approved_plan(child, in_kind("school_supplies", quantity="1", frequency="once"))
    make_child(birth_date=dt.date(2019, 6, 1))

    counts = load_supply_demo()

    assert counts == {"items": 4, "receipts": 4, "adjustments": 1, "distributions": 2}
    stock = county_stock(User.objects.get(username="county"), "511502")
    assert {i.code: i.stock for i in stock.items} == {
        "wheelchair": 3,
        "nutrition-pack": 118,
        "school-kit": 39,
        "winter-set": 4,
    }
    assert [i.code for i in stock.low] == ["winter-set"]
    kit = Distribution.objects.get(item__code="school-kit")
    assert kit.child == child
    assert kit.plan_item is not None
    assert plan_promises(child)[0].distributed == 1
    assert load_supply_demo() == {}
    assert SupplyItem.objects.count() == 4


def test_it_makes_nothing_without_the_demo_accounts(db: Any) -> None:
    assert load_supply_demo() == {}
    assert not SupplyItem.objects.exists()


@pytest.fixture
def loaded(db: Any, django_capture_on_commit_callbacks: Any) -> Iterator[None]:
    for _ in _load(django_capture_on_commit_callbacks, children=300, as_of=AS_OF, now=NOW):
        yield


def test_on_the_yibin_demo_the_orphans_school_kit_meets_the_approved_plan(loaded: None) -> None:
    # The demo load makes the county's stock and distributions (a second call adds nothing).
    with time_machine.travel(NOW, tick=False):
        assert load_supply_demo(as_of=AS_OF) == {}
    assert Distribution.objects.count() == 2
    kit = Distribution.objects.get(item__code="school-kit")
    assert kit.plan_item is not None
    assert kit.child.region_id == VILLAGE
    assert Distribution.objects.filter(by__username="director").count() == 2
