"""Two transactions at the same moment, for tests of row locks (PostgreSQL).

`while_held(first, second)` runs `first` in a transaction on one thread and keeps that
transaction open; runs `second` on another thread; waits until PostgreSQL reports the
second one waiting on a lock (pg_stat_activity); then lets the first commit. The tests say
what each call returned and whether the second was seen blocked, so a lock that was not
taken fails the test instead of passing by luck.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, connections, transaction

SKIP_REASON = (
    "row locks are a PostgreSQL matter (SQLite serialises writers); CI runs this test on PostgreSQL"
)


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(SKIP_REASON)


@dataclass
class Race:
    first: Any = None
    second: Any = None
    error: BaseException | None = None  # what the second call raised
    saw_lock: bool = False  # the second call waited on a lock while the first held it


def while_held(first: Callable[[], Any], second: Callable[[], Any]) -> Race:
    race = Race()
    held = threading.Event()
    release = threading.Event()
    pid: dict[str, int] = {}

    def run_first() -> None:
        try:
            with transaction.atomic():
                race.first = first()
                held.set()
                release.wait(30)
        finally:
            connections.close_all()

    def run_second() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid["second"] = cursor.fetchone()[0]
            race.second = second()
        except BaseException as exc:  # handed to the test thread
            race.error = exc
        finally:
            connections.close_all()

    a = threading.Thread(target=run_first, daemon=True)
    a.start()
    assert held.wait(30), "the first transaction never got its lock"
    b = threading.Thread(target=run_second, daemon=True)
    b.start()
    for _ in range(3000):
        if "second" in pid:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid["second"]]
                )
                row = cursor.fetchone()
            if row and row[0] == "Lock":
                race.saw_lock = True
                break
        threading.Event().wait(0.01)
    release.set()
    a.join(30)
    b.join(30)
    return race
