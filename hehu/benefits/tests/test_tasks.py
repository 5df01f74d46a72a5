"""Roll generation and the fund-use checks as Celery tasks (in process, and on a real
worker through Redis)."""

from __future__ import annotations

import pytest

from hehu.benefits.models import Anomaly, PaymentCycle
from hehu.benefits.tasks import check_open_cycles_task, generate_cycles_task
from hehu.benefits.tests.factories import EnrolmentFactory, PayeeAccountFactory
from hehu.core.tests.test_tasks import redis_worker  # noqa: F401 (the fixture)
from hehu.registry.tests.factories import ChildFactory


def enrolled():
    child = ChildFactory()
    EnrolmentFactory(child=child)
    PayeeAccountFactory(child=child)
    return child


@pytest.mark.django_db
def test_it_generates_a_countys_roll_and_checks_it(county_officer) -> None:
    child = enrolled()

    result = generate_cycles_task.delay("511502", "2026-11", county_officer.pk).get()

    assert result["cycles"] == ["511502-202611"]
    assert result["children"] == 1
    assert result["total"] == "1651.00"
    # Nobody visited the child: the check found it.
    assert result["anomalies"] == 1
    assert Anomaly.objects.get().child_id == child.pk


@pytest.mark.django_db
def test_the_nightly_check_looks_at_rolls_not_yet_reconciled(county_officer) -> None:
    enrolled()
    generate_cycles_task.delay("511502", "2026-11", county_officer.pk).get()
    Anomaly.objects.all().delete()

    result = check_open_cycles_task.delay("2026-11-30").get()

    assert result == {"from": "2026-11", "cycles": 1, "new": 1}


@pytest.mark.django_db(transaction=True)
@pytest.mark.services
def test_it_generates_and_checks_on_a_worker_through_redis(redis_worker, county_officer):  # noqa: F811
    _, queue = redis_worker
    enrolled()

    result = generate_cycles_task.apply_async(
        ("511502", "2026-11", county_officer.pk), queue=queue
    ).get(timeout=60)

    assert result["children"] == 1
    assert PaymentCycle.objects.get().status == PaymentCycle.Status.GENERATED
    assert Anomaly.objects.filter(kind="no_verification_visit").count() == 1
