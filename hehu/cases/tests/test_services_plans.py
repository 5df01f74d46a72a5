from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.http import Http404
from django.utils import timezone

from hehu.accounts.models import Department
from hehu.audit.models import AuditEntry, Verb
from hehu.cases.errors import CaseClosed, PlanNotEditable, PlanStepNotAllowed
from hehu.cases.models import Assessment, Case, PlanGoal, PlanItem, ServicePlan, WorkItem
from hehu.cases.procedures import DEFAULT_DIR, _load
from hehu.cases.services.cases import case_close, case_transition
from hehu.cases.services.plans import (
    GoalData,
    ItemData,
    plan_approve,
    plan_draft,
    plan_return,
    plan_review,
    plan_submit,
    plan_update,
)
from hehu.cases.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    county_officer,
    department_officer,
    director,
    make_case,
    make_organisation,
    social_worker,
    supervisor,
)
from hehu.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed

pytestmark = pytest.mark.django_db

P = ServicePlan.Status
K = WorkItem.Kind
MONDAY = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


# -- helpers ------------------------------------------------------------------------------------
def planning_case(actor: Any = None) -> Case:
    """An open case moved on to planning."""
    actor = actor or director()
    case = make_case(actor=actor)
    case = case_transition(actor=actor, case=case, to_status=Case.Status.ASSESSMENT)
    return case_transition(actor=actor, case=case, to_status=Case.Status.PLANNING)


def goals() -> list[GoalData]:
    return [
        GoalData(need="basic_living", description="保障基本生活"),
        GoalData(need="psychological", description="缓解孤独感"),
    ]


def items(responsible_id: int | None = None) -> list[ItemData]:
    return [
        ItemData(
            kind="cash",
            support="unattended_allowance",
            frequency="monthly",
            starts_on=dt.date(2026, 3, 1),
            goal=0,
            provider_department=Department.CIVIL_AFFAIRS,
            amount=Decimal("1651.00"),
            responsible_id=responsible_id,
            responsible_name="" if responsible_id else "王主任",
        ),
        ItemData(
            kind="in_kind",
            support="school_supplies",
            frequency="once",
            starts_on=dt.date(2026, 3, 1),
            goal=0,
            provider_department=Department.EDUCATION,
            quantity=Decimal("1"),
            unit="套",
            responsible_name="李老师",
        ),
        ItemData(
            kind="service",
            support="counselling",
            frequency="fortnightly",
            starts_on=dt.date(2026, 3, 1),
            ends_on=dt.date(2026, 8, 31),
            goal=1,
            provider_organisation_id=make_organisation().pk,
            responsible_name="张社工",
        ),
    ]


def filled(case: Case, actor: Any) -> ServicePlan:
    plan = plan_draft(actor=actor, case=case, copy_last=False)
    return plan_update(
        actor=actor,
        plan=plan,
        summary="以生活保障和心理支持为主",
        goals=goals(),
        items=items(),
        expected_version=plan.version,
    )


def submitted(case: Case | None = None) -> tuple[ServicePlan, Any]:
    me = director()
    case = case or planning_case(me)
    plan = filled(case, me)
    return plan_submit(actor=me, plan=plan, expected_version=plan.version), me


def reviewed() -> ServicePlan:
    plan, _me = submitted()
    return plan_review(actor=supervisor(), plan=plan, expected_version=plan.version)


@pytest.fixture
def township_approves(tmp_path: Path, settings: Any) -> Iterator[None]:
    """Procedures where the township's review approves plans."""
    text = (DEFAULT_DIR / "cn-national.yaml").read_text(encoding="utf-8")
    marker = "plan_approver_level:"
    head, tail = text.split(marker, 1)
    tail = tail.replace("- value: county", "- value: township", 1)
    (tmp_path / "cn-national.yaml").write_text(head + marker + tail, encoding="utf-8")
    settings.HEHU_PROCEDURE_DIR = str(tmp_path)
    _load.cache_clear()
    yield
    _load.cache_clear()


def open_items(plan: ServicePlan, kind: str) -> list[WorkItem]:
    return list(
        WorkItem.objects.filter(object_type="plan", object_id=plan.pk, kind=kind, status="open")
    )


def verbs(plan: ServicePlan) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="plan", object_id=str(plan.pk))
        .order_by("id")
        .values_list("verb", flat=True)
    )


# -- drafting -----------------------------------------------------------------------------------
def test_it_drafts_a_first_plan_numbered_one() -> None:
    me = director()
    case = planning_case(me)
    plan = plan_draft(actor=me, case=case)
    assert (plan.number, plan.status, plan.created_by) == (1, P.DRAFT, me)
    assert verbs(plan) == [Verb.PLAN_DRAFTED]


def test_it_prefills_one_goal_per_high_or_medium_need() -> None:
    me = director()
    case = planning_case(me)
    Assessment.objects.create(
        case=case,
        kind=Assessment.Kind.NEEDS,
        instrument_id="needs",
        instrument_version="1",
        status=Assessment.Status.SUBMITTED,
        assessor=me,
        started_at=timezone.now(),
        submitted_at=timezone.now(),
        needs=[
            {"domain": "education", "level": "high", "support": "service", "score": 8},
            {"domain": "health_medical", "level": "low", "support": "cash", "score": 1},
            {"domain": "psychological", "level": "medium", "support": "service", "score": 5},
        ],
    )
    plan = plan_draft(actor=me, case=case)
    assert [g.need for g in PlanGoal.objects.filter(plan=plan)] == ["education", "psychological"]
    assert "教育" in PlanGoal.objects.filter(plan=plan).first().description  # type: ignore[union-attr]


def test_it_refuses_a_second_plan_while_one_is_in_progress() -> None:
    me = director()
    case = planning_case(me)
    plan_draft(actor=me, case=case)
    with pytest.raises(PlanStepNotAllowed, match="未批准"):
        plan_draft(actor=me, case=case)
    assert ServicePlan.objects.filter(case=case).count() == 1


def test_it_refuses_a_draft_for_a_closed_case() -> None:
    me = director()
    case = planning_case(me)
    case_close(actor=me, case=case, reason="moved_out")
    with pytest.raises(CaseClosed):
        plan_draft(actor=me, case=case)


@pytest.mark.parametrize("who", [department_officer, social_worker])
def test_it_refuses_a_draft_by_a_role_that_does_not_work_cases(who: Any) -> None:
    case = planning_case()
    with pytest.raises(PermissionRefused):
        plan_draft(actor=who(), case=case)
    assert not ServicePlan.objects.exists()


def test_it_treats_a_case_outside_the_jurisdiction_as_missing() -> None:
    case = planning_case()
    with pytest.raises(Http404):
        plan_draft(actor=director(OTHER_COUNTY_VILLAGE), case=case)
    assert not ServicePlan.objects.exists()


def test_a_new_plan_starts_as_a_copy_of_the_last_approved_one() -> None:
    plan = reviewed()
    plan = plan_approve(actor=county_officer(), plan=plan, expected_version=plan.version)
    second = plan_draft(actor=director(), case=plan.case)
    assert second.number == 2
    assert second.summary == plan.summary
    assert PlanGoal.objects.filter(plan=second).count() == 2
    copied = PlanItem.objects.filter(plan=second).order_by("id")
    assert [i.support for i in copied] == ["unattended_allowance", "school_supplies", "counselling"]
    assert copied[2].goal is not None
    assert copied[2].goal.need == "psychological"


# -- editing ------------------------------------------------------------------------------------
def test_it_replaces_goals_and_items_as_a_whole() -> None:
    me = director()
    plan = filled(planning_case(me), me)
    assert plan.version == 2
    assert PlanItem.objects.filter(plan=plan).count() == 3
    cash = PlanItem.objects.get(plan=plan, kind="cash")
    assert cash.amount == Decimal("1651.00")
    assert cash.quantity is None
    plan = plan_update(
        actor=me,
        plan=plan,
        summary="只保留生活保障",
        goals=goals()[:1],
        items=items()[:1],
        expected_version=plan.version,
    )
    assert PlanGoal.objects.filter(plan=plan).count() == 1
    assert PlanItem.objects.filter(plan=plan).count() == 1
    assert verbs(plan) == [Verb.PLAN_DRAFTED, Verb.PLAN_UPDATED, Verb.PLAN_UPDATED]


def test_it_names_every_bad_item_field_at_once() -> None:
    me = director()
    plan = plan_draft(actor=me, case=planning_case(me))
    bad = [
        ItemData(
            kind="cash",
            support="",
            frequency="monthly",
            starts_on=dt.date(2026, 3, 1),
            amount=Decimal("0"),
            responsible_name="王",
        ),
        ItemData(
            kind="in_kind",
            support="nutrition",
            frequency="sometimes",
            starts_on=dt.date(2026, 3, 5),
            ends_on=dt.date(2026, 3, 1),
            provider_department="civil_affairs",
            provider_organisation_id=make_organisation().pk,
            goal=5,
        ),
        ItemData(
            kind="gift",
            support="x",
            frequency="once",
            starts_on=None,
            provider_department="civil_affairs",
            responsible_id=county_officer(OTHER_COUNTY_VILLAGE).pk,
        ),
        ItemData(
            kind="cash",
            support="dibao",
            frequency="monthly",
            starts_on=dt.date(2026, 3, 1),
            provider_department="civil_affairs",
            amount=Decimal("1.005"),
            responsible_name="王",
        ),
    ]
    with pytest.raises(ValidationFailed) as refused:
        plan_update(
            actor=me,
            plan=plan,
            summary="",
            goals=[GoalData("", "")],
            items=bad,
            expected_version=plan.version,
        )
    errors = refused.value.errors
    assert set(errors) == {
        "goals[0].need",
        "goals[0].description",
        "items[0].support",
        "items[0].provider",
        "items[0].amount",
        "items[1].provider",
        "items[1].quantity",
        "items[1].unit",
        "items[1].frequency",
        "items[1].ends_on",
        "items[1].goal",
        "items[1].responsible",
        "items[2].kind",
        "items[2].starts_on",
        "items[2].responsible",
        "items[3].amount",
    }
    assert "两位小数" in errors["items[3].amount"][0]
    plan.refresh_from_db()
    assert plan.version == 1
    assert not PlanItem.objects.filter(plan=plan).exists()


def test_a_responsible_person_may_be_someone_in_the_jurisdiction() -> None:
    me = director()
    plan = plan_draft(actor=me, case=planning_case(me))
    plan = plan_update(
        actor=me,
        plan=plan,
        summary="",
        goals=goals(),
        items=items(me.pk),
        expected_version=plan.version,
    )
    assert PlanItem.objects.get(plan=plan, kind="cash").responsible == me


def test_a_stale_version_is_refused_and_nothing_is_saved() -> None:
    me = director()
    plan = filled(planning_case(me), me)
    stale = plan.version - 1
    with pytest.raises(ConcurrentEdit, match="刷新"):
        plan_update(actor=me, plan=plan, summary="覆盖", goals=[], items=[], expected_version=stale)
    plan.refresh_from_db()
    assert plan.summary == "以生活保障和心理支持为主"
    assert PlanItem.objects.filter(plan=plan).count() == 3


def test_a_submitted_plan_cannot_be_edited() -> None:
    plan, me = submitted()
    with pytest.raises(PlanNotEditable):
        plan_update(
            actor=me, plan=plan, summary="", goals=[], items=[], expected_version=plan.version
        )


# -- submitting -----------------------------------------------------------------------------
@time_machine.travel(MONDAY, tick=False)
def test_submitting_stops_the_village_clock_and_starts_the_township_review() -> None:
    me = director()
    case = planning_case(me)
    assert WorkItem.objects.filter(case=case, kind=K.PLAN, status="open").exists()
    plan, _me = submitted(case)
    assert plan.status == P.SUBMITTED
    assert plan.submitted_at is not None
    assert not WorkItem.objects.filter(case=case, kind=K.PLAN, status="open").exists()
    [review] = open_items(plan, K.PLAN_REVIEW)
    assert (review.origin_level, review.region_code) == ("township", "511502001000")
    assert review.due_on == dt.date(2026, 3, 9)  # five working days after Monday 2 March
    assert "5 个工作日" in review.rule["zh"]


def test_an_empty_plan_cannot_be_submitted() -> None:
    me = director()
    plan = plan_draft(actor=me, case=planning_case(me), copy_last=False)
    with pytest.raises(ValidationFailed) as refused:
        plan_submit(actor=me, plan=plan)
    assert set(refused.value.errors) == {"goals", "items"}
    plan.refresh_from_db()
    assert plan.status == P.DRAFT


# -- review and approval ----------------------------------------------------------------------
@time_machine.travel(MONDAY, tick=False)
def test_the_township_review_passes_the_plan_to_the_county() -> None:
    plan, _me = submitted()
    boss = supervisor()
    plan = plan_review(actor=boss, plan=plan, expected_version=plan.version)
    assert (plan.status, plan.reviewed_by) == (P.REVIEWED, boss)
    assert open_items(plan, K.PLAN_REVIEW) == []
    [approval] = open_items(plan, K.PLAN_APPROVAL)
    assert (approval.origin_level, approval.region_code) == ("county", "511502000000")
    assert approval.due_on == dt.date(2026, 3, 9)
    assert verbs(plan)[-1] == Verb.PLAN_REVIEWED


@time_machine.travel(MONDAY, tick=False)
def test_the_county_approves_and_the_plan_gets_a_review_date() -> None:
    plan = reviewed()
    officer = county_officer()
    plan = plan_approve(actor=officer, plan=plan, expected_version=plan.version)
    assert (plan.status, plan.approved_by) == (P.APPROVED, officer)
    assert plan.review_on == dt.date(2026, 9, 2)
    assert open_items(plan, K.PLAN_APPROVAL) == []
    [renewal] = open_items(plan, K.PLAN_RENEWAL)
    assert (renewal.origin_level, renewal.due_on) == ("village", dt.date(2026, 9, 2))
    assert "6 个月" in renewal.rule["zh"]
    plan.case.refresh_from_db()
    assert plan.case.status == Case.Status.IN_SERVICE
    entry = AuditEntry.objects.filter(verb=Verb.PLAN_APPROVED).get()
    assert entry.changes["review_on"] == "2026-09-02"
    assert entry.actor == officer


def test_the_officer_who_reviewed_a_plan_cannot_approve_it() -> None:
    plan, _me = submitted()
    officer = county_officer()  # county civil affairs may review as well as approve
    plan = plan_review(actor=officer, plan=plan, expected_version=plan.version)

    with pytest.raises(PlanStepNotAllowed, match="审核这份计划的人不能再批准它"):
        plan_approve(actor=officer, plan=plan, expected_version=plan.version)
    plan.refresh_from_db()
    assert plan.status == P.REVIEWED
    assert plan_approve(actor=county_officer(), plan=plan).status == P.APPROVED


def test_an_approved_plan_is_superseded_by_the_next() -> None:
    first = reviewed()
    first = plan_approve(actor=county_officer(), plan=first, expected_version=first.version)
    me = director()
    second = plan_draft(actor=me, case=first.case)
    second = plan_submit(actor=me, plan=second, expected_version=second.version)
    second = plan_review(actor=supervisor(), plan=second)
    second = plan_approve(actor=county_officer(), plan=second)
    first.refresh_from_db()
    assert first.status == P.SUPERSEDED
    assert open_items(first, K.PLAN_RENEWAL) == []
    assert len(open_items(second, K.PLAN_RENEWAL)) == 1
    latest = AuditEntry.objects.filter(verb=Verb.PLAN_APPROVED).order_by("id").last()
    assert latest is not None
    assert latest.changes["superseded"] == [first.pk]


@time_machine.travel(MONDAY, tick=False)
def test_where_the_township_approves_its_review_is_the_approval(township_approves: None) -> None:
    plan, _me = submitted()
    boss = supervisor()
    plan = plan_review(actor=boss, plan=plan, expected_version=plan.version)
    assert (plan.status, plan.reviewed_by, plan.approved_by) == (P.APPROVED, boss, boss)
    assert plan.review_on == dt.date(2026, 9, 2)
    assert open_items(plan, K.PLAN_APPROVAL) == []
    assert len(open_items(plan, K.PLAN_RENEWAL)) == 1
    assert verbs(plan)[-2:] == [Verb.PLAN_REVIEWED, Verb.PLAN_APPROVED]
    plan.case.refresh_from_db()
    assert plan.case.status == Case.Status.IN_SERVICE


def test_the_county_level_is_the_default_approver() -> None:
    plan = reviewed()
    assert plan.status == P.REVIEWED
    assert plan.approved_by is None


@pytest.mark.parametrize("who", [director, department_officer])
def test_it_refuses_a_review_by_a_role_without_the_permission(who: Any) -> None:
    plan, _me = submitted()
    with pytest.raises(PermissionRefused):
        plan_review(actor=who(), plan=plan)
    plan.refresh_from_db()
    assert plan.status == P.SUBMITTED


def test_a_supervisor_cannot_approve() -> None:
    plan = reviewed()
    with pytest.raises(PermissionRefused):
        plan_approve(actor=supervisor(), plan=plan)
    plan.refresh_from_db()
    assert plan.status == P.REVIEWED


def test_a_supervisor_of_another_township_sees_no_plan() -> None:
    plan, _me = submitted()
    with pytest.raises(Http404):
        plan_review(actor=supervisor(OTHER_COUNTY_VILLAGE), plan=plan)
    plan.refresh_from_db()
    assert plan.status == P.SUBMITTED
    assert plan.reviewed_by is None


def test_a_draft_cannot_be_reviewed_or_approved() -> None:
    me = director()
    plan = filled(planning_case(me), me)
    with pytest.raises(PlanStepNotAllowed, match="草稿"):
        plan_review(actor=supervisor(), plan=plan)
    with pytest.raises(PlanStepNotAllowed):
        plan_approve(actor=county_officer(), plan=plan)


def test_a_submitted_plan_cannot_be_approved_before_review() -> None:
    plan, _me = submitted()
    with pytest.raises(PlanStepNotAllowed):
        plan_approve(actor=county_officer(), plan=plan)


def test_a_stale_review_is_refused() -> None:
    plan, _me = submitted()
    with pytest.raises(ConcurrentEdit):
        plan_review(actor=supervisor(), plan=plan, expected_version=plan.version - 1)
    plan.refresh_from_db()
    assert plan.status == P.SUBMITTED


# -- returning --------------------------------------------------------------------------------
@time_machine.travel(MONDAY, tick=False)
def test_the_supervisor_returns_a_plan_and_the_village_must_plan_again() -> None:
    plan, me = submitted()
    plan = plan_return(
        actor=supervisor(), plan=plan, reason="请补充心理辅导的频次", expected_version=plan.version
    )
    assert (plan.status, plan.return_reason) == (P.RETURNED, "请补充心理辅导的频次")
    assert open_items(plan, K.PLAN_REVIEW) == []
    [again] = open_items(plan, K.PLAN)
    assert (again.origin_level, again.due_on) == ("village", dt.date(2026, 3, 16))
    entry = AuditEntry.objects.get(verb=Verb.PLAN_RETURNED)
    assert entry.reason == "请补充心理辅导的频次"
    # The village edits and resubmits: the clock stops again.
    plan = plan_update(
        actor=me,
        plan=plan,
        summary="补充",
        goals=goals(),
        items=items(),
        expected_version=plan.version,
    )
    plan = plan_submit(actor=me, plan=plan, expected_version=plan.version)
    assert open_items(plan, K.PLAN) == []
    assert len(open_items(plan, K.PLAN_REVIEW)) == 1


def test_the_county_returns_a_reviewed_plan() -> None:
    plan = reviewed()
    plan = plan_return(actor=county_officer(), plan=plan, reason="金额有误")
    assert plan.status == P.RETURNED
    assert open_items(plan, K.PLAN_APPROVAL) == []


def test_a_supervisor_cannot_return_a_plan_awaiting_the_county() -> None:
    plan = reviewed()
    with pytest.raises(PermissionRefused):
        plan_return(actor=supervisor(), plan=plan, reason="再看看")
    plan.refresh_from_db()
    assert plan.status == P.REVIEWED


def test_a_return_needs_a_reason() -> None:
    plan, _me = submitted()
    with pytest.raises(ValidationFailed) as refused:
        plan_return(actor=supervisor(), plan=plan, reason="  ")
    assert set(refused.value.errors) == {"reason"}
    plan.refresh_from_db()
    assert plan.status == P.SUBMITTED


def test_a_director_cannot_return_a_plan() -> None:
    plan, me = submitted()
    with pytest.raises(PermissionRefused):
        plan_return(actor=me, plan=plan, reason="撤回")


def test_every_step_is_audited() -> None:
    plan, me = submitted()
    plan = plan_return(actor=supervisor(), plan=plan, reason="补充")
    plan = plan_submit(actor=me, plan=plan)
    plan = plan_review(actor=supervisor(), plan=plan)
    plan = plan_approve(actor=county_officer(), plan=plan)
    assert verbs(plan) == [
        Verb.PLAN_DRAFTED,
        Verb.PLAN_UPDATED,
        Verb.PLAN_SUBMITTED,
        Verb.PLAN_RETURNED,
        Verb.PLAN_SUBMITTED,
        Verb.PLAN_REVIEWED,
        Verb.PLAN_APPROVED,
    ]
    assert all(
        e.child_id == plan.case.child_id for e in AuditEntry.objects.filter(object_type="plan")
    )
