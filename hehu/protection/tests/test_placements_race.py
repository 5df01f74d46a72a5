"""Two officers placing two children in a facility's last bed at once (PostgreSQL)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections, transaction

from hehu.core.errors import ValidationFailed
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
    if connection.vendor != "postgresql":
        pytest.skip(
            "row locks are a PostgreSQL matter (SQLite serialises writers); "
            "CI runs this test on PostgreSQL"
        )
    officer = county_officer()
    facility = make_facility(actor=officer, capacity=1)
    first_child, second_child = make_child(), make_child()
    placed = threading.Event()
    release = threading.Event()
    outcome: dict[str, Any] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                outcome["first"] = make_placement(first_child, actor=officer, facility=facility)
                placed.set()
                release.wait(30)
        finally:
            connections.close_all()

    def second() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                outcome["pid"] = cursor.fetchone()[0]
            make_placement(second_child, actor=officer, facility=facility)
        except BaseException as exc:  # handed to the test thread
            outcome["error"] = exc
        finally:
            connections.close_all()

    a = threading.Thread(target=first, daemon=True)
    a.start()
    assert placed.wait(30)
    b = threading.Thread(target=second, daemon=True)
    b.start()
    saw_lock = False
    for _ in range(3000):
        pid = outcome.get("pid")
        if pid is not None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
                row = cursor.fetchone()
            if row and row[0] == "Lock":
                saw_lock = True
                break
        threading.Event().wait(0.01)
    release.set()
    a.join(30)
    b.join(30)
    assert saw_lock
    error = outcome.get("error")
    assert isinstance(error, ValidationFailed), error
    assert "现安置 1 人，床位 1 个" in error.errors["over_capacity_reason"][0]
    assert list(Placement.objects.filter(facility=facility).values_list("child", flat=True)) == [
        first_child.pk
    ]
