"""Hour clocks as a Celery periodic task: a court's decision or police feedback past due
escalates one level up at once (in process and on a real worker through Redis)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from hehu.audit.models import AuditEntry, Verb
from hehu.cases.clocks import Due
from hehu.cases.models import Escalation, Level, WorkItem
from hehu.cases.services.workitems import rule, work_item_open
from hehu.cases.tests.factories import VILLAGE, county_officer, make_child
from hehu.core.tests.test_tasks import redis_worker  # noqa: F401 (the fixture)
from hehu.protection.models import InterventionStep
from hehu.protection.services.intervention_rules import StepInput
from hehu.protection.services.interventions import intervention_record
from hehu.protection.tasks import protection_clocks_task

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
APPLIED = dt.datetime(2026, 3, 4, 10, 0, tzinfo=SHANGHAI)


def application(*, urgent: bool = False) -> WorkItem:
    child = make_child()
    with time_machine.travel(APPLIED, tick=False):
        step = intervention_record(
            actor=county_officer(),
            child=child,
            data=StepInput(
                step=InterventionStep.Step.ORDER_APPLIED,
                on=None,
                applied_at=APPLIED,
                urgent=urgent,
                evidence="母亲多次殴打儿童，医院验伤记录。",
                responsible="李承办",
            ),
        )
    return WorkItem.objects.get(kind=WorkItem.Kind.ORDER_DECISION, object_id=step.pk)


def police_feedback(due_at: dt.datetime) -> WorkItem:
    child = make_child()
    return work_item_open(
        kind=WorkItem.Kind.REPORT_POLICE,
        child_id=child.pk,
        region_code=VILLAGE,
        level=Level.COUNTY,
        due=Due(due_at.date()),
        due_at=due_at,
        department="public_security",
        rule=rule("公安机关 72 小时内反馈", "police feedback within 72 hours"),
        object_type="report",
        object_id=1,
    )


def test_a_decision_past_its_72_hours_escalates_to_the_city_at_once() -> None:
    item = application()

    result = protection_clocks_task.delay(
        (APPLIED + dt.timedelta(hours=72, minutes=1)).isoformat()
    ).get()

    assert result["escalated"] == 1
    item.refresh_from_db()
    assert item.level == Level.CITY
    assert item.origin_level == Level.COUNTY
    assert item.department == "court"
    escalation = Escalation.objects.get(item=item)
    assert (escalation.from_level, escalation.to_level) == (Level.COUNTY, Level.CITY)
    entry = AuditEntry.objects.get(verb=Verb.DEADLINES_SWEPT, object_type="protection_clocks")
    assert entry.changes == {"escalated": 1, "lapsed": 0}


def test_a_decision_still_within_its_hours_stays() -> None:
    item = application()

    result = protection_clocks_task.delay(
        (APPLIED + dt.timedelta(hours=71, minutes=59)).isoformat()
    ).get()

    assert result["escalated"] == 0
    item.refresh_from_db()
    assert item.level == Level.COUNTY
    assert not Escalation.objects.exists()
    assert not AuditEntry.objects.filter(object_type="protection_clocks").exists()


def test_an_urgent_decision_escalates_after_24_hours() -> None:
    item = application(urgent=True)

    protection_clocks_task.delay((APPLIED + dt.timedelta(hours=25)).isoformat()).get()

    item.refresh_from_db()
    assert item.level == Level.CITY


def test_escalating_twice_changes_nothing_the_second_time() -> None:
    item = application()
    later = APPLIED + dt.timedelta(hours=80)

    protection_clocks_task.delay(later.isoformat()).get()
    second = protection_clocks_task.delay((later + dt.timedelta(minutes=15)).isoformat()).get()

    assert second["escalated"] == 0
    assert Escalation.objects.filter(item=item).count() == 1


def test_a_decided_application_does_not_escalate() -> None:
    item = application()
    item.status = WorkItem.Status.DONE
    item.save(update_fields=["status"])

    protection_clocks_task.delay((APPLIED + dt.timedelta(days=5)).isoformat()).get()

    assert not Escalation.objects.exists()


def test_police_feedback_past_due_escalates_too() -> None:
    item = police_feedback(APPLIED)

    protection_clocks_task.delay((APPLIED + dt.timedelta(minutes=1)).isoformat()).get()

    item.refresh_from_db()
    assert item.level == Level.CITY
    assert item.department == "public_security"


def test_it_runs_as_of_now_by_default() -> None:
    item = application()

    with time_machine.travel(APPLIED + dt.timedelta(hours=73), tick=False):
        result = protection_clocks_task.delay().get()

    assert result["at"].startswith("2026-03-07T")
    item.refresh_from_db()
    assert item.level == Level.CITY


def test_the_review_of_a_lapsed_order_stops() -> None:
    child = make_child()
    actor = county_officer()
    with time_machine.travel(APPLIED, tick=False):
        for step, extra in (
            (InterventionStep.Step.ORDER_APPLIED, {"on": None, "applied_at": APPLIED}),
            (
                InterventionStep.Step.ORDER_GRANTED,
                {
                    "on": APPLIED.date(),
                    "reference": "(2026)川1502民保令2号",
                    "expires_on": dt.date(2026, 4, 30),
                },
            ),
        ):
            intervention_record(
                actor=actor,
                child=child,
                data=StepInput(step=step, evidence="证据", responsible="李承办", **extra),
            )
    review = WorkItem.objects.get(kind=WorkItem.Kind.ORDER_EXPIRY)

    on_last_day = protection_clocks_task.delay(
        dt.datetime(2026, 4, 30, 23, 0, tzinfo=SHANGHAI).isoformat()
    ).get()
    after = protection_clocks_task.delay(
        dt.datetime(2026, 5, 1, 0, 15, tzinfo=SHANGHAI).isoformat()
    ).get()

    assert (on_last_day["lapsed"], after["lapsed"]) == (0, 1)
    review.refresh_from_db()
    assert review.status == WorkItem.Status.CANCELLED


def test_the_clocks_run_every_15_minutes_on_the_beat_schedule() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["protection-clocks"]

    assert entry["task"] == "hehu.protection.tasks.protection_clocks_task"
    assert entry["schedule"].minute == {0, 15, 30, 45}
    assert protection_clocks_task.name == entry["task"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.services
def test_it_escalates_on_a_worker_through_redis(redis_worker) -> None:  # noqa: F811
    _, queue = redis_worker
    item = application()

    result = protection_clocks_task.apply_async(
        ((APPLIED + dt.timedelta(hours=73)).isoformat(),), queue=queue
    )

    assert result.get(timeout=30)["escalated"] == 1
    item.refresh_from_db()
    assert item.level == Level.CITY
    assert Escalation.objects.filter(item=item).count() == 1
