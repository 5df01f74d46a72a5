from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from hehu.accounts.models import User
from hehu.cases.models import WorkItem
from hehu.cases.worklist import worklist_for
from hehu.demo.protection import demo_protection_create
from hehu.demo.services import DemoReport
from hehu.demo.tests.test_casework import AS_OF, NOW, _load
from hehu.policy.models import ChildClassification
from hehu.protection.models import Report
from hehu.protection.report_selectors import reports_visible_to


@pytest.fixture
def loaded(db: Any, django_capture_on_commit_callbacks: Any) -> Iterator[DemoReport]:
    yield from _load(django_capture_on_commit_callbacks, children=300, as_of=AS_OF, now=NOW)


def test_the_demo_files_three_reports_routed_to_the_county(loaded: DemoReport) -> None:
    assert loaded.protection["reports"] == 3
    assert Report.objects.filter(routed_at__isnull=False).count() == 3
    police = User.objects.get(username="police")
    assert reports_visible_to(user=police).count() == 3
    # The school's report reaches education too; the others do not.
    education = User.objects.get(username="education")
    assert [r.reporter_kind for r in reports_visible_to(user=education)] == ["school"]


def test_the_police_have_reports_to_answer_on_their_work_list(loaded: DemoReport) -> None:
    police = User.objects.get(username="police")
    items = list(worklist_for(user=police, as_of=AS_OF))
    assert {i.kind for i in items} == {WorkItem.Kind.REPORT_POLICE}
    assert len(items) == 3
    assert all(i.due_at is not None for i in items)


def test_the_substantiated_report_puts_its_child_in_guardianship_risk(loaded: DemoReport) -> None:
    report = Report.objects.get(reporter_kind="hospital")
    assert report.finding == Report.Finding.SUBSTANTIATED
    classification = ChildClassification.objects.get(child_id=report.child_id)
    assert "guardianship_risk" in classification.categories


def test_it_makes_nothing_a_second_time(loaded: DemoReport) -> None:
    assert demo_protection_create(as_of=dt.date(2026, 11, 20)) == {}
    assert Report.objects.count() == 3


def test_the_hospitals_child_is_placed_and_the_court_has_an_order_to_decide(
    loaded: DemoReport,
) -> None:
    from hehu.cases.models import Case
    from hehu.protection.models import CareFacility, Placement

    assert loaded.protection["facilities"] == CareFacility.objects.count() == 3
    report = Report.objects.get(reporter_kind="hospital")
    placement = Placement.objects.get(child_id=report.child_id, ended_on__isnull=True)
    assert placement.facility is not None
    assert Case.objects.filter(child_id=report.child_id).exclude(status="closed").exists()
    court = User.objects.get(username="court")
    items = list(worklist_for(user=court, as_of=AS_OF))
    assert [i.kind for i in items] == [WorkItem.Kind.ORDER_DECISION]
    assert items[0].due_at is not None
