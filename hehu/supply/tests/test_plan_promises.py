"""What an approved plan promised in kind, so far, against what reached the child."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from hehu.cases.models import PlanItem
from hehu.supply.promises import Reached, occurrences
from hehu.supply.selectors import plan_promises
from hehu.supply.services import cancel_distribution
from hehu.supply.tests.factories import (
    approved_plan,
    director,
    in_kind,
    make_child,
    make_distribution,
    make_item,
)

F = PlanItem.Frequency
START = dt.date(2026, 1, 31)


@pytest.mark.parametrize(
    ("frequency", "as_of", "expected"),
    [
        (F.ONCE, dt.date(2026, 1, 30), 0),
        (F.ONCE, START, 1),
        (F.ONCE, dt.date(2027, 1, 1), 1),
        (F.WEEKLY, dt.date(2026, 2, 6), 1),
        (F.WEEKLY, dt.date(2026, 2, 7), 2),
        (F.FORTNIGHTLY, dt.date(2026, 3, 1), 3),
        # Month ends: 31 January, 28 February, 31 March (Civil Code art. 202).
        (F.MONTHLY, dt.date(2026, 2, 27), 1),
        (F.MONTHLY, dt.date(2026, 2, 28), 2),
        (F.MONTHLY, dt.date(2026, 3, 31), 3),
        (F.QUARTERLY, dt.date(2026, 4, 30), 2),
        (F.YEARLY, dt.date(2027, 1, 30), 1),
        (F.YEARLY, dt.date(2027, 1, 31), 2),
    ],
)
def test_occurrences_count_each_due_day_on_or_before_the_day(
    frequency: str, as_of: dt.date, expected: int
) -> None:
    assert occurrences(frequency, START, None, as_of) == expected


def test_occurrences_stop_at_the_end_of_the_item() -> None:
    assert occurrences(F.MONTHLY, START, dt.date(2026, 3, 15), dt.date(2026, 12, 31)) == 2


@pytest.mark.django_db
def test_the_promise_so_far_is_set_against_what_reached_the_child() -> None:
    child = make_child()
    starts = dt.date.today().replace(day=1) - dt.timedelta(days=1)  # last month's last day
    starts = starts.replace(day=1)
    plan = approved_plan(
        child,
        in_kind("nutrition", quantity="2", frequency=F.MONTHLY, starts_on=starts),
        in_kind("school_supplies", quantity="1", frequency=F.ONCE, starts_on=starts),
        in_kind(
            "rehabilitation_aid",
            quantity="1",
            frequency=F.ONCE,
            starts_on=dt.date.today() + dt.timedelta(days=30),
            ends_on=dt.date.today() + dt.timedelta(days=60),
        ),
    )
    nutrition, supplies, aid = plan.items.order_by("id")
    item = make_item(stock=20)
    bag = make_item(stock=5, kind="school_supplies", name="学习用品包", unit="套")
    me = director()
    make_distribution(child, item, actor=me, quantity=3, plan_item_id=nutrition.pk)
    wrong = make_distribution(child, item, actor=me, quantity=1, plan_item_id=nutrition.pk)
    cancel_distribution(actor=me, distribution=wrong, reason="重复登记")
    make_distribution(child, bag, actor=me, quantity=1, plan_item_id=supplies.pk)
    make_distribution(child, item, actor=me, quantity=2)  # not against the plan

    found = {p.plan_item.pk: p for p in plan_promises(child)}

    assert (found[nutrition.pk].promised, found[nutrition.pk].distributed) == (Decimal(4), 3)
    assert found[nutrition.pk].status == Reached.SHORT
    assert found[nutrition.pk].shortfall == Decimal(1)
    assert found[nutrition.pk].promised_total is None
    assert found[supplies.pk].status == Reached.REACHED
    assert found[aid.pk].status == Reached.NOT_DUE
    assert found[aid.pk].promised_total == Decimal(1)


@pytest.mark.django_db
def test_only_approved_plans_promise() -> None:
    child = make_child()
    approved_plan(child, in_kind("nutrition"), approve=False)
    assert plan_promises(child) == []
