from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from hehu.audit.models import AuditEntry, Verb
from hehu.cases.models import PlanGoal, PlanItem, ServicePlan
from hehu.cases.services.plans import plan_draft
from hehu.cases.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    county_officer,
    department_officer,
    director,
    make_organisation,
    supervisor,
)
from hehu.cases.tests.test_services_plans import filled, planning_case, reviewed, submitted

pytestmark = pytest.mark.django_db
P = ServicePlan.Status


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def detail_url(plan: ServicePlan) -> str:
    return reverse("cases:plan_detail", args=[plan.case_id, plan.pk])


def edit_url(plan: ServicePlan) -> str:
    return reverse("cases:plan_edit", args=[plan.case_id, plan.pk])


def action_url(plan: ServicePlan, action: str) -> str:
    return reverse("cases:plan_action", args=[plan.case_id, plan.pk, action])


def form_data(plan: ServicePlan, **changes: str) -> dict[str, str]:
    """The editor as a director fills it: two goals, a cash item and a service item."""
    data = {
        "version": str(plan.version),
        "summary": "生活保障与心理支持",
        "goals-TOTAL_FORMS": "3",
        "goals-INITIAL_FORMS": "0",
        "goals-0-need": "basic_living",
        "goals-0-description": "保障基本生活",
        "goals-1-need": "psychological",
        "goals-1-description": "缓解孤独感",
        "goals-2-need": "",
        "goals-2-description": "",
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-0-kind": "cash",
        "items-0-support": "unattended_allowance",
        "items-0-goal": "1",
        "items-0-provider": "dept:civil_affairs",
        "items-0-amount": "1651",
        "items-0-frequency": "monthly",
        "items-0-starts_on": "2026-03-01",
        "items-0-responsible_name": "王主任",
        "items-1-kind": "service",
        "items-1-support": "counselling",
        "items-1-goal": "2",
        "items-1-provider": f"org:{make_organisation().pk}",
        "items-1-frequency": "fortnightly",
        "items-1-starts_on": "2026-03-01",
        "items-1-ends_on": "2026-08-31",
        "items-1-responsible_name": "张社工",
    }
    data.update(changes)
    return data


def test_a_director_starts_a_plan_from_the_case_plans_page() -> None:
    me = director()
    case = planning_case(me)
    client = signed_in(me)
    page = client.get(reverse("cases:plans", args=[case.pk]))
    assert page.status_code == 200
    assert "新建服务计划" in page.content.decode()
    response = client.post(reverse("cases:plan_new", args=[case.pk]))
    plan = ServicePlan.objects.get(case=case)
    assert response.status_code == 302
    assert response["Location"] == edit_url(plan)
    assert AuditEntry.objects.filter(verb=Verb.CASE_VIEWED, object_type="case").exists()


def test_a_director_fills_in_the_editor_and_sees_the_plan() -> None:
    me = director()
    plan = plan_draft(actor=me, case=planning_case(me), copy_last=False)
    client = signed_in(me)
    assert client.get(edit_url(plan)).status_code == 200
    response = client.post(edit_url(plan), form_data(plan))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert [g.need for g in PlanGoal.objects.filter(plan=plan)] == ["basic_living", "psychological"]
    service = PlanItem.objects.get(plan=plan, kind="service")
    assert service.goal is not None
    assert service.goal.need == "psychological"
    page = client.get(detail_url(plan)).content.decode()
    assert "1,651.00 元" in page
    assert "心理辅导" in page
    assert "宜宾市阳光社工服务中心" in page
    assert "2026年3月1日" in page
    assert "提交审核" in page
    assert AuditEntry.objects.filter(
        verb=Verb.CASE_VIEWED, object_type="plan", object_id=str(plan.pk)
    ).exists()


def test_every_problem_is_listed_at_the_top_and_nothing_typed_is_lost() -> None:
    me = director()
    plan = plan_draft(actor=me, case=planning_case(me), copy_last=False)
    data = form_data(
        plan,
        **{
            "items-0-amount": "",
            "items-1-provider": "",
            "items-1-ends_on": "2026-01-01",
            "items-1-responsible_name": "",
        },
    )
    response = signed_in(me).post(edit_url(plan), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "有 4 处需要修改" in page
    assert 'href="#id_items-0-amount"' in page
    assert 'href="#id_items-1-provider"' in page
    assert 'href="#id_items-1-ends_on"' in page
    assert 'href="#id_items-1-responsible"' in page
    assert "缓解孤独感" in page  # kept
    assert 'value="2026-01-01"' in page
    assert not PlanItem.objects.filter(plan=plan).exists()


def test_a_second_editor_is_refused_and_keeps_what_they_typed() -> None:
    me = director()
    plan = filled(planning_case(me), me)
    data = form_data(plan, version=str(plan.version - 1), summary="我的新概述")
    response = signed_in(me).post(edit_url(plan), data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "没有保存：这份计划已被他人修改" in page
    assert "我的新概述" in page
    plan.refresh_from_db()
    assert plan.summary == "以生活保障和心理支持为主"


def test_add_another_without_scripts_keeps_the_rows_and_adds_one() -> None:
    me = director()
    plan = plan_draft(actor=me, case=planning_case(me), copy_last=False)
    response = signed_in(me).post(edit_url(plan), {**form_data(plan), "add": "items"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="items-3-kind"' in page
    assert "缓解孤独感" in page
    assert not PlanItem.objects.filter(plan=plan).exists()


def test_a_supervisor_sees_the_review_button_and_reviews() -> None:
    plan, me = submitted()
    boss = signed_in(supervisor())
    page = boss.get(detail_url(plan)).content.decode()
    assert "审核通过" in page
    assert "批准</button>" not in page
    assert "审核服务计划" in page  # the clock of the review, with its rule
    assert "提交后 5 个工作日内审核服务计划" in page
    response = boss.post(action_url(plan, "review"), {"version": plan.version})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == P.REVIEWED
    assert "待审批" in boss.get(detail_url(plan)).content.decode()


def test_a_county_officer_approves_and_the_page_shows_the_review_date() -> None:
    plan = reviewed()
    county = signed_in(county_officer())
    assert "批准</button>" in county.get(detail_url(plan)).content.decode()
    county.post(action_url(plan, "approve"), {"version": plan.version})
    plan.refresh_from_db()
    assert plan.status == P.APPROVED
    page = county.get(detail_url(plan)).content.decode()
    assert "已批准" in page
    assert "复核日期" in page


def test_a_return_needs_a_reason_on_the_page() -> None:
    plan, _me = submitted()
    boss = signed_in(supervisor())
    response = boss.post(action_url(plan, "return"), {"version": plan.version, "reason": ""})
    assert response.status_code == 302
    assert "请写明退回理由" in boss.get(detail_url(plan)).content.decode()
    plan.refresh_from_db()
    assert plan.status == P.SUBMITTED
    boss.post(action_url(plan, "return"), {"version": plan.version, "reason": "补充频次"})
    plan.refresh_from_db()
    assert plan.status == P.RETURNED


def test_a_stale_button_is_refused_with_a_message() -> None:
    plan, _me = submitted()
    boss = signed_in(supervisor())
    boss.post(action_url(plan, "review"), {"version": plan.version - 1})
    plan.refresh_from_db()
    assert plan.status == P.SUBMITTED
    assert "已被其他人修改" in boss.get(detail_url(plan)).content.decode()


@pytest.mark.parametrize(("who", "action"), [(director, "review"), (supervisor, "approve")])
def test_a_role_without_the_permission_gets_403(who: Any, action: str) -> None:
    plan, _me = submitted()
    response = signed_in(who()).post(action_url(plan, action), {"version": plan.version})
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.status == P.SUBMITTED


def test_a_department_officer_reads_the_plan_without_buttons() -> None:
    plan, _me = submitted()
    officer = signed_in(department_officer())
    page = officer.get(detail_url(plan)).content.decode()
    assert "审核通过" not in page
    assert "修改计划" not in page
    assert officer.get(edit_url(plan)).status_code == 403


def test_outside_the_jurisdiction_every_page_is_404_and_nothing_changes() -> None:
    plan, _me = submitted()
    version = plan.version
    elsewhere = signed_in(supervisor(OTHER_COUNTY_VILLAGE))
    assert elsewhere.get(reverse("cases:plans", args=[plan.case_id])).status_code == 404
    assert elsewhere.post(reverse("cases:plan_new", args=[plan.case_id])).status_code == 404
    assert elsewhere.get(detail_url(plan)).status_code == 404
    assert elsewhere.get(edit_url(plan)).status_code == 404
    assert elsewhere.post(edit_url(plan), form_data(plan)).status_code == 404
    for action in ("submit", "review", "approve", "return"):
        response = elsewhere.post(action_url(plan, action), {"version": version, "reason": "x"})
        assert response.status_code == 404
    plan.refresh_from_db()
    assert (plan.status, plan.version) == (P.SUBMITTED, version)
    assert ServicePlan.objects.count() == 1


def test_a_plan_of_another_case_is_not_found_under_this_case() -> None:
    plan, me = submitted()
    other = planning_case(me)
    url = reverse("cases:plan_detail", args=[other.pk, plan.pk])
    assert signed_in(me).get(url).status_code == 404


def test_an_overdue_review_shows_the_working_days_overdue() -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
        plan, _me = submitted()
    with time_machine.travel(dt.datetime(2026, 3, 12, 9, tzinfo=dt.UTC), tick=False):
        page = signed_in(supervisor()).get(detail_url(plan)).content.decode()
    # Due Monday 9 March; Thursday 12 March is three working days later.
    assert "2026年3月9日" in page
    assert "已逾期 3 个工作日" in page


def test_an_approved_plan_shows_the_calendar_days_to_its_review() -> None:
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
        plan = reviewed()
        signed_in(county_officer()).post(action_url(plan, "approve"), {"version": plan.version})
        page = signed_in(director()).get(detail_url(plan)).content.decode()
    assert "2026年9月2日" in page
    assert "还剩 184 天" in page
