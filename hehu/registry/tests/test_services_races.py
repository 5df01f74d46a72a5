"""Two writes of the same ID number at the same moment, on two real database connections.

The services look for a file with the ID number before writing; a registration that has
written but not yet committed is invisible to that check (READ COMMITTED). The partial
unique index `unique_active_id_number` is then what stops the second file: the second
write waits for the first transaction and fails once it commits. These tests force exactly
that interleaving on PostgreSQL and check the user gets DuplicateIdNumber — pointing to the
file that won — rather than an IntegrityError (a 500), and that nothing of the loser stays.

Letting two threads meet at a barrier and register at once would usually let the check
catch the duplicate and only sometimes reach the index, so the path under test would run
by chance. Instead the first registration runs inside a transaction that stays open after
its insert; the second then starts, misses the uncommitted row in its check, and its own
write blocks on the index — which the test sees in pg_stat_activity before letting the
first transaction commit. Every step waits on an event, none on a sleep.

SQLite serialises writers and its shared in-memory test database refuses, rather than
waits for, a reader of a table another connection is writing, so there the two calls run
one after the other on their own connections: the check before writing refuses the second.
"""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, connection, connections, transaction

from hehu.audit.models import AuditEntry, Verb
from hehu.registry.errors import DuplicateIdNumber
from hehu.registry.models import Child
from hehu.registry.services import child_register, child_update
from hehu.registry.tests.factories import child_data, make_id_number

TIMEOUT = 30  # seconds; only reached when something is broken
NUMBER = make_id_number()


class Call(threading.Thread):
    """One service call on its own thread and database connection, keeping its outcome."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.fn = fn
        self.result: Any = None
        self.error: BaseException | None = None
        self.backend_pid: int | None = None
        self.connected = threading.Event()

    def run(self) -> None:
        try:
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    self.backend_pid = cursor.fetchone()[0]
            self.connected.set()
            self.result = self.fn()
        except BaseException as exc:  # handed to the test thread, which asserts on it
            self.error = exc
        finally:
            self.connected.set()
            connections.close_all()

    def outcome(self) -> Any:
        self.join(TIMEOUT)
        assert not self.is_alive(), "the call did not finish"
        return self.result


def waits_for_a_lock(pid: int, call: Call) -> bool:
    """Whether backend `pid` comes to wait for another transaction while `call` runs."""
    done = threading.Event()
    while call.is_alive() and not done.wait(0.01):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT wait_event_type, wait_event FROM pg_stat_activity WHERE pid = %s", [pid]
            )
            if cursor.fetchone() == ("Lock", "transactionid"):
                return True
    return False


def race(first: Callable[[], Any], second: Callable[[], Any]) -> tuple[Call, Call]:
    """Run `second` while `first` has written and not committed (PostgreSQL), or after
    `first` (SQLite); return both calls, finished."""
    written, commit = threading.Event(), threading.Event()

    def first_held_open() -> Any:
        with transaction.atomic():
            result = first()
            written.set()
            assert commit.wait(TIMEOUT), "the test never let the first transaction commit"
        return result

    if connection.vendor != "postgresql":
        a, b = Call(first), Call(second)
        a.start()
        a.outcome()
        b.start()
        b.outcome()
        return a, b
    a, b = Call(first_held_open), Call(second)
    a.start()
    try:
        assert written.wait(TIMEOUT), f"the first call did not write: {a.error!r}"
        b.start()
        assert b.connected.wait(TIMEOUT)
        assert b.backend_pid is not None
        blocked = waits_for_a_lock(b.backend_pid, b)
    finally:
        commit.set()
        a.outcome()
        b.outcome()
    assert blocked, f"the second write never waited on the first: {b.error!r}"
    return a, b


def assert_refused_by_the_unique_index_on_postgresql(error: BaseException) -> None:
    """On PostgreSQL the refusal came from the index (the check had missed the row)."""
    if connection.vendor == "postgresql":
        assert isinstance(error.__context__, IntegrityError)
    else:
        assert error.__context__ is None


@pytest.mark.django_db(transaction=True)
def test_two_registrations_of_one_id_number_at_once_create_one_file(village_director):
    first, second = race(
        lambda: child_register(actor=village_director, data=child_data(id_number=NUMBER)),
        lambda: child_register(
            actor=village_director, data=child_data(name="王晓华", id_number=NUMBER)
        ),
    )

    assert first.error is None
    winner = first.result
    assert isinstance(second.error, DuplicateIdNumber), repr(second.error)
    assert second.error.existing_child_id == winner.pk
    assert second.error.field == "id_number"
    assert str(winner.pk) in str(second.error.message)
    assert_refused_by_the_unique_index_on_postgresql(second.error)
    assert list(Child.objects.values_list("pk", "name")) == [(winner.pk, "王小花")]
    assert list(AuditEntry.objects.values_list("verb", "child_id")) == [
        (Verb.CHILD_CREATED, winner.pk)
    ]


@pytest.mark.django_db(transaction=True)
def test_a_refused_duplicate_leaves_the_callers_transaction_usable(village_director):
    """A caller registering several files in one transaction (an import) may catch the
    refusal and go on: the failed insert was rolled back to a savepoint, not the whole
    transaction."""

    def register_both() -> tuple[DuplicateIdNumber | None, Child]:
        refused = None
        with transaction.atomic():
            try:
                child_register(
                    actor=village_director, data=child_data(name="王晓华", id_number=NUMBER)
                )
            except DuplicateIdNumber as exc:
                refused = exc
            other = child_register(actor=village_director, data=child_data(name="李小明"))
        return refused, other

    first, second = race(
        lambda: child_register(actor=village_director, data=child_data(id_number=NUMBER)),
        register_both,
    )

    assert first.error is None
    assert second.error is None, repr(second.error)
    refused, other = second.result
    assert isinstance(refused, DuplicateIdNumber)
    assert refused.existing_child_id == first.result.pk
    assert_refused_by_the_unique_index_on_postgresql(refused)
    assert sorted(Child.objects.values_list("name", flat=True)) == ["李小明", "王小花"]
    assert AuditEntry.objects.get(child_id=other.pk).verb == Verb.CHILD_CREATED


@pytest.mark.django_db(transaction=True)
def test_an_update_to_an_id_number_registered_at_the_same_moment_is_refused(
    village_director,
):
    existing = child_register(actor=village_director, data=child_data(name="李小明"))

    first, second = race(
        lambda: child_register(actor=village_director, data=child_data(id_number=NUMBER)),
        lambda: child_update(
            actor=village_director,
            child=existing,
            data=child_data(name="李小明", id_number=NUMBER),
            expected_version=existing.version,
        ),
    )

    assert first.error is None
    assert isinstance(second.error, DuplicateIdNumber), repr(second.error)
    assert second.error.existing_child_id == first.result.pk
    assert_refused_by_the_unique_index_on_postgresql(second.error)
    existing.refresh_from_db()
    assert (existing.version, existing.id_number_index, existing.no_id_reason) == (
        1,
        None,
        "not_yet_issued",
    )
    assert not AuditEntry.objects.filter(verb=Verb.CHILD_UPDATED).exists()
