from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from hehu.accounts.models import User
from hehu.cases.models import Assessment, Case, PlanItem, ServicePlan, Visit, WorkItem
from hehu.cases.models import RecognitionApplication as App
from hehu.cases.worklist import worklist_for
from hehu.demo.casework import DEMO_EXTERNAL_ID, demo_casework_create
from hehu.demo.services import DemoReport, demo_load
from hehu.policy.models import ChildClassification

AS_OF = dt.date(2026, 11, 20)  # a Friday
# 10:00 in Beijing on AS_OF: the services stamp "now", the demo is dated AS_OF.
NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
K = WorkItem.Kind


def _load(capture: Any, *, children: int, as_of: dt.date, now: dt.datetime) -> Iterator[DemoReport]:
    with time_machine.travel(now, tick=False):
        # The command commits, so the handlers that react after commit (a new guardianship
        # grade reclassifies the child) run there: run them here too.
        with capture(execute=True):
            report = demo_load(children=children, seed=1, as_of=as_of)
        yield report


@pytest.fixture
def loaded(db: Any, django_capture_on_commit_callbacks: Any) -> Iterator[DemoReport]:
    yield from _load(django_capture_on_commit_callbacks, children=300, as_of=AS_OF, now=NOW)


def _items(username: str, view: str = "mine") -> list[WorkItem]:
    user = User.objects.get(username=username)
    return list(worklist_for(user=user, as_of=AS_OF, view=view))


def test_it_reports_what_it_made(loaded: DemoReport) -> None:
    counts = loaded.casework
    assert counts["cases_opened_by_category"] >= 3  # the registered demo children at least
    assert counts["cases_opened_by_hand"] == 2
    assert counts["cases"] == Case.objects.count()
    assert counts["plans_approved"] == 1
    assert counts["plans_awaiting_approval"] == 1
    assert counts["applications"] == App.objects.count() == 3
    assert counts["assessments"] == Assessment.objects.count() == 4
    assert counts["visits"] == Visit.objects.filter(status=Visit.Status.DONE).count()
    assert counts["escalated"] >= 3


def test_the_director_has_an_overdue_visit(loaded: DemoReport) -> None:
    items = _items("director")
    overdue = [i for i in items if i.kind == K.VISIT and i.due_on < AS_OF]
    assert overdue
    assert all(i.region_code == "511502001001" for i in items)
    # The case behind the month-late visit: visited two months ago, then assessed
    # "guardianship absent", which makes visits monthly.
    case = Case.objects.get(pk=max(overdue, key=lambda i: AS_OF - i.due_on).case_id)
    assert case.risk == Case.Risk.HIGH
    assert case.opened_at.date() < AS_OF - dt.timedelta(days=60)
    visit = Visit.objects.get(case=case, status=Visit.Status.DONE)
    assert visit.recorded_by == User.objects.get(username="director")
    assert visit.visited_on is not None
    assert case.opened_at.date() <= visit.visited_on < AS_OF - dt.timedelta(days=55)


def test_the_supervisor_sees_escalated_items_and_an_application_to_verify(
    loaded: DemoReport,
) -> None:
    escalated = _items("supervisor", "escalated")
    assert escalated
    assert all(i.level != i.origin_level for i in escalated)
    assert {i.level for i in escalated} >= {"township", "city"}
    mine = _items("supervisor")
    verify = [i for i in mine if i.kind == K.RECOGNITION_VERIFY]
    assert len(verify) == 1
    assert verify[0].due_on >= AS_OF  # received ten working days ago: five more to go
    assert verify[0].application is not None
    assert verify[0].application.status == App.Status.TOWNSHIP


def test_the_county_has_a_plan_to_approve_and_an_overdue_decision(loaded: DemoReport) -> None:
    mine = _items("county")
    kinds = {i.kind for i in mine}
    assert {K.PLAN_APPROVAL, K.RECOGNITION_DECIDE, K.GUARDIANSHIP_ABSENT} <= kinds
    decide = next(i for i in mine if i.kind == K.RECOGNITION_DECIDE)
    assert decide.due_on < AS_OF
    assert decide.level == "city"  # overdue beyond the grace period: raised
    plan = ServicePlan.objects.get(pk=next(i for i in mine if i.kind == K.PLAN_APPROVAL).object_id)
    assert plan.status == ServicePlan.Status.REVIEWED
    assert plan.reviewed_by == User.objects.get(username="supervisor")
    assert set(plan.items.values_list("kind", flat=True)) == set(PlanItem.Kind.values)


def test_the_approved_plan_pays_the_orphan_allowance_to_an_orphan(loaded: DemoReport) -> None:
    plan = ServicePlan.objects.get(status=ServicePlan.Status.APPROVED)
    assert plan.case.status == Case.Status.IN_SERVICE
    cash = plan.items.get(kind=PlanItem.Kind.CASH)
    assert (cash.support, cash.amount, cash.frequency) == (
        "orphan_allowance",
        Decimal("1651.00"),
        "monthly",
    )
    categories = ChildClassification.objects.get(child_id=plan.case.child_id).categories
    assert "orphan" in categories
    assert App.objects.get(child_id=plan.case.child_id).status == App.Status.APPROVED


def test_assessments_grade_one_child_absent_and_one_insufficient(loaded: DemoReport) -> None:
    grades = set(
        Assessment.objects.filter(kind=Assessment.Kind.GUARDIANSHIP).values_list("grade", flat=True)
    )
    assert grades == {"absent", "insufficient"}
    assert not Assessment.objects.exclude(status=Assessment.Status.SUBMITTED).exists()


def test_the_demo_children_are_labelled(loaded: DemoReport) -> None:
    from hehu.registry.models import Child

    demo = Child.objects.filter(external_id__startswith=DEMO_EXTERNAL_ID)
    assert demo.count() >= 3
    assert all(Case.objects.filter(child=c).exists() for c in demo)


def test_it_makes_nothing_a_second_time(loaded: DemoReport) -> None:
    before = (Case.objects.count(), WorkItem.objects.count(), Visit.objects.count())
    with time_machine.travel(NOW, tick=False):
        assert demo_casework_create(as_of=AS_OF) == {}
        assert demo_load(children=300, seed=1, if_empty=True, as_of=AS_OF).skipped
    assert (Case.objects.count(), WorkItem.objects.count(), Visit.objects.count()) == before


def test_a_date_the_calendar_does_not_cover_gives_provisional_deadlines(
    db: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Late December: deadlines reach into a year the working-day calendar lacks.
    day = dt.date(2026, 12, 28)
    now = dt.datetime(2026, 12, 28, 2, 0, tzinfo=dt.UTC)
    for report in _load(django_capture_on_commit_callbacks, children=60, as_of=day, now=now):
        assert report.casework["plans_awaiting_approval"] == 1
        assert WorkItem.objects.filter(status=WorkItem.Status.OPEN, provisional=True).exists()
