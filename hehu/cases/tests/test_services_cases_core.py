from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from hehu.cases.errors import CaseAlreadyOpen, TransitionNotAllowed
from hehu.cases.models import Case, Visit, WorkItem
from hehu.cases.services.cases import case_close, case_transition
from hehu.cases.tests.factories import director, make_case, make_child

pytestmark = pytest.mark.django_db


@time_machine.travel(dt.datetime(2026, 9, 25, 9, tzinfo=dt.UTC), tick=False)
def test_it_opens_a_case_with_its_first_visit_and_assessment_due() -> None:
    case = make_case()
    visit = Visit.objects.get(case=case)
    # 2026-09-25 is a Friday; National Day week (1–7 Oct) is not counted: 5 working days
    # are 28, 29, 30 Sep, 8 and 9 Oct.
    assert visit.due_on == dt.date(2026, 10, 9)
    kinds = set(WorkItem.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == {"visit", "assessment"}


def test_it_refuses_a_second_open_case() -> None:
    child = make_child()
    make_case(child)
    with pytest.raises(CaseAlreadyOpen):
        make_case(child)


def test_it_refuses_a_move_the_flow_does_not_allow() -> None:
    case = make_case()
    with pytest.raises(TransitionNotAllowed):
        case_transition(actor=director(), case=case, to_status=Case.Status.IN_SERVICE)


def test_closing_stops_every_clock() -> None:
    case = make_case()
    case_close(actor=director(), case=case, reason="moved_out")
    assert not WorkItem.objects.filter(case=case, status="open").exists()
    assert not Visit.objects.filter(case=case, status="scheduled").exists()


def test_a_change_of_risk_is_audited_with_its_reason() -> None:
    from hehu.audit.models import AuditEntry, Verb
    from hehu.cases.services.casework import case_risk_refresh
    from hehu.registry.models import Child

    case = make_case()
    Child.objects.filter(pk=case.child_id).update(guardianship_grade="absent")

    case_risk_refresh(case=case)

    entry = AuditEntry.objects.get(verb=Verb.CASE_RISK_CHANGED)
    assert (entry.object_id, entry.child_id) == (str(case.pk), case.child_id)
    assert entry.changes == {"risk": ["normal", "high"]}
    assert entry.reason == "监护等级为“监护缺失”"
