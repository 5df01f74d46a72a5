"""Two people handing out an item's last unit at once (PostgreSQL)."""

from __future__ import annotations

import pytest

from hehu.core.errors import ValidationFailed
from hehu.core.tests.races import require_postgresql, while_held
from hehu.supply.models import Distribution
from hehu.supply.tests.factories import (
    county_officer,
    director,
    make_child,
    make_distribution,
    make_item,
)


@pytest.mark.django_db(transaction=True)
def test_two_distributions_of_the_last_unit_at_once_hand_it_out_once() -> None:
    """The first distribution holds the item's row (SELECT … FOR UPDATE) until it commits;
    the second waits on that lock (seen in pg_stat_activity), reads the stock the first
    left and is refused, naming the stock, instead of taking it below zero."""
    require_postgresql()
    item = make_item(stock=1, name="轮椅", kind="rehabilitation_aid", unit="件")
    first_child, second_child = make_child(), make_child()
    village_director, officer = director(), county_officer()

    race = while_held(
        lambda: make_distribution(first_child, item, actor=village_director),
        lambda: make_distribution(second_child, item, actor=officer),
    )

    assert race.saw_lock
    error = race.error
    assert isinstance(error, ValidationFailed), error
    assert "“轮椅”已无库存（0 件）" in error.errors["quantity"][0]
    assert list(Distribution.objects.values_list("child", flat=True)) == [first_child.pk]
    item.refresh_from_db()
    assert item.stock == 0
