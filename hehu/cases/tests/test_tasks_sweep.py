"""The sweep as a Celery task (in process and on a real worker through Redis) and command."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from hehu.cases.models import Escalation, Level, WorkItem
from hehu.cases.tasks import deadlines_sweep_task
from hehu.cases.tests.test_services_sweep import overdue_visit
from hehu.core.tests.test_tasks import redis_worker  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def test_it_runs_the_sweep_as_a_task():
    item = overdue_visit()

    result = deadlines_sweep_task.delay("2025-10-13").get()

    assert result["escalated"] == 1
    assert result["as_of"] == "2025-10-13"
    item.refresh_from_db()
    assert item.level == Level.TOWNSHIP


def test_it_sweeps_as_of_today_by_default():
    import time_machine

    item = overdue_visit()
    with time_machine.travel(dt.datetime(2025, 10, 16, 1, 30, tzinfo=dt.UTC), tick=False):
        result = deadlines_sweep_task.delay().get()

    assert result["as_of"] == "2025-10-16"
    item.refresh_from_db()
    assert item.level == Level.COUNTY


@pytest.mark.django_db(transaction=True)
@pytest.mark.services
def test_it_runs_the_sweep_on_a_worker_through_redis(redis_worker):  # noqa: F811
    _, queue = redis_worker
    item = overdue_visit()

    result = deadlines_sweep_task.apply_async(("2025-10-16",), queue=queue)

    assert result.get(timeout=30)["escalations"] == 2
    item.refresh_from_db()
    assert item.level == Level.COUNTY
    assert Escalation.objects.filter(item=item).count() == 2


def test_it_prints_counts_from_the_command(capsys):
    overdue_visit()

    call_command("sweep_deadlines", "--as-of", "2025-10-13")

    out = capsys.readouterr().out
    assert "sweep as of 2025-10-13: escalated 1 items" in out
    assert "township 1" in out
    assert "timings: escalate" in out
    assert WorkItem.objects.filter(level=Level.TOWNSHIP).count() == 1
