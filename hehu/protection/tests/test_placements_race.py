"""Two officers placing two children in a facility's last bed at once (PostgreSQL)."""

from __future__ import annotations

import pytest

from hehu.core.errors import ValidationFailed
from hehu.core.tests.races import require_postgresql, while_held
from hehu.protection.models import Placement
from hehu.protection.tests.factories import (
    county_officer,
    make_child,
    make_facility,
    make_placement,
)


@pytest.mark.django_db(transaction=True)
def test_two_placements_in_the_last_bed_at_once_place_one_child() -> None:
    """The first placement holds the facility row (SELECT … FOR UPDATE) until it commits;
    the second waits on that lock (seen in pg_stat_activity), counts again and is refused
    as over capacity instead of filling the bed twice."""
    require_postgresql()
    officer = county_officer()
    facility = make_facility(actor=officer, capacity=1)
    first_child, second_child = make_child(), make_child()

    race = while_held(
        lambda: make_placement(first_child, actor=officer, facility=facility),
        lambda: make_placement(second_child, actor=officer, facility=facility),
    )

    assert race.saw_lock
    error = race.error
    assert isinstance(error, ValidationFailed), error
    assert "现安置 1 人，床位 1 个" in error.errors["over_capacity_reason"][0]
    assert list(Placement.objects.filter(facility=facility).values_list("child", flat=True)) == [
        first_child.pk
    ]
