"""The population task: eagerly in process, and on a real worker through Redis."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from hehu.core.tests.test_tasks import redis_worker  # noqa: F401 (the fixture)
from hehu.policy.models import ChildClassification, PopulationRun
from hehu.policy.services import population_run_create
from hehu.policy.tasks import population_run_task
from hehu.registry.data import ParentData
from hehu.registry.services import child_register
from hehu.registry.tests.factories import child_data

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 3, 1)
ORPHAN = [
    ParentData(role="father", vital_status="dead"),
    ParentData(role="mother", vital_status="dead"),
]


def test_it_runs_a_population_run_as_a_task(county_officer):
    child = child_register(actor=county_officer, data=child_data(parents=ORPHAN))
    run = population_run_create(actor=county_officer, as_of=AS_OF)

    result = population_run_task.delay(run.pk).get()

    run.refresh_from_db()
    assert run.status == PopulationRun.Status.DONE
    assert result["children"] == 1
    assert result["counts"]["orphan"] == 1
    assert "orphan" in ChildClassification.objects.get(child=child).categories


@pytest.mark.django_db(transaction=True)
@pytest.mark.services
def test_it_runs_a_population_run_on_a_worker_through_redis(redis_worker, county_officer):  # noqa: F811
    _, queue = redis_worker
    child_register(actor=county_officer, data=child_data(parents=ORPHAN))
    run = population_run_create(actor=county_officer, as_of=AS_OF)

    result = population_run_task.apply_async((run.pk,), queue=queue)

    assert result.get(timeout=30)["counts"]["orphan"] == 1
    run.refresh_from_db()
    assert run.status == PopulationRun.Status.DONE


def test_it_prints_counts_and_timings_from_the_command(county_officer, capsys):
    child_register(actor=county_officer, data=child_data(parents=ORPHAN))

    call_command("classify_population", "--as-of", "2026-03-01", "--scope", "5115")

    out = capsys.readouterr().out
    assert "1 children as of 2026-03-01 in 5115" in out
    assert "orphan" in out
    assert "timings: build_frames" in out


def test_it_syncs_the_shipped_policies_from_the_command(capsys):
    call_command("sync_policies")
    call_command("sync_policies")

    out = capsys.readouterr().out
    assert "added: cn-national@2026.1" in out
    assert "policies up to date" in out


def test_the_nightly_run_classifies_everyone_as_of_today(county_officer, settings):
    import time_machine

    child = child_register(actor=county_officer, data=child_data(parents=ORPHAN))
    with time_machine.travel(dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC), tick=False):
        from hehu.policy.tasks import population_run_nightly

        result = population_run_nightly.delay().get()

    run = PopulationRun.objects.get(pk=result["run"])
    assert run.as_of == dt.date(2026, 3, 2)  # 11:00 in Beijing
    assert run.scope == ""
    assert "orphan" in ChildClassification.objects.get(child=child).categories


def test_the_nightly_run_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["classify-every-child-nightly"]
    assert entry["task"] == "hehu.policy.tasks.population_run_nightly"
    assert entry["schedule"].hour == {2}
