"""The audit log is append-only: in the application always, in the database on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from hehu.audit.models import AuditEntry, Verb
from hehu.audit.tests.factories import record
from hehu.registry.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(village_director):
    return record(village_director, Verb.CHILD_VIEWED, child=ChildFactory(), reason="家访前核对")


def _unchanged(entry: AuditEntry) -> bool:
    stored = AuditEntry.objects.get(pk=entry.pk)
    return (stored.reason, stored.verb, stored.actor_id) == (
        "家访前核对",
        Verb.CHILD_VIEWED,
        entry.actor_id,
    )


def test_it_refuses_to_save_an_entry_a_second_time(entry):
    entry.reason = "改过的理由"
    with pytest.raises(PermissionError):
        entry.save()
    assert _unchanged(entry)


def test_it_refuses_to_delete_an_entry(entry):
    with pytest.raises(PermissionError):
        entry.delete()
    assert _unchanged(entry)


def test_it_refuses_bulk_updates_and_deletes_through_the_orm(entry):
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="改过的理由")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert _unchanged(entry)


def test_the_database_refuses_raw_sql_where_the_vendor_can_enforce_it(entry):
    if connection.vendor == "postgresql":
        # Migration 0002's trigger: raw SQL, a console, any code path — all refused.
        for sql in (
            "UPDATE audit_auditentry SET reason = 'x' WHERE id = %s",
            "DELETE FROM audit_auditentry WHERE id = %s",
        ):
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql, [entry.pk])
    else:
        # SQLite (the embedded `make run` database) has no trigger: the model refuses.
        with pytest.raises(PermissionError):
            AuditEntry.objects.filter(pk=entry.pk).update(reason="x")
    assert _unchanged(entry)
