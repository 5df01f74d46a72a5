"""The intervention pages: recording a step on a phone, refusals in the form, the ladder
section of a child's protection page with its deadlines in Chinese, needs revocation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from hehu.cases.models import WorkItem
from hehu.cases.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    county_officer,
    department_officer,
    director,
    supervisor,
)
from hehu.protection.models import InterventionStep
from hehu.protection.tests.test_interventions_services import (
    NOW,
    TODAY,
    applied,
    child_with_parents,
    court,
    granted,
    police,
)

pytestmark = pytest.mark.django_db

Step = InterventionStep.Step


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def record_url(child: Any) -> str:
    return reverse("protection:intervention_record", args=[child.pk])


def needed_url(child: Any) -> str:
    return reverse("protection:intervention_revocation_needed", args=[child.pk])


def form(**overrides: Any) -> dict[str, Any]:
    return {
        "step": "reprimand",
        "on": "2026-03-03",
        "applied_time": "",
        "body": "",
        "guardian_role": "",
        "reference": "翠公（家）训字〔2026〕3号",
        "expires_on": "",
        "responsible": "刘警官",
        "evidence": "接报后到场，父亲承认殴打儿童。",
        **overrides,
    }


def section(child: Any, user: Any) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string(
        "protection/_interventions.html", {"child": child, "user": user}, request=request
    )


# -- the form ---------------------------------------------------------------------------------
def test_the_form_offers_only_the_steps_of_the_officers_body() -> None:
    child = child_with_parents()

    page = signed_in(police()).get(record_url(child))

    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="reprimand"' in html
    assert 'value="guidance_order"' in html
    assert 'value="warning"' not in html
    assert 'value="order_granted"' not in html
    assert page["Cache-Control"] == "private, no-store"


def test_a_police_officer_records_a_reprimand() -> None:
    child = child_with_parents()
    officer = police()

    response = signed_in(officer).post(record_url(child), form())

    assert response.status_code == 302
    assert response["Location"] == reverse("protection:child_protection", args=[child.pk])
    step = InterventionStep.objects.get(child=child)
    assert (step.step, step.body, step.recorded_by) == ("reprimand", "public_security", officer)


def test_an_application_takes_its_time_and_shows_the_courts_deadline() -> None:
    child = child_with_parents()

    response = signed_in(county_officer()).post(
        record_url(child),
        form(
            step="order_applied",
            on="2026-03-04",
            applied_time="09:30",
            urgent="on",
            reference="",
        ),
        follow=True,
    )

    step = InterventionStep.objects.get(child=child)
    assert step.urgent
    assert step.decision_due_at == dt.datetime(2026, 3, 5, 9, 30, tzinfo=NOW.tzinfo)
    assert "法院须在 2026年3月5日 09:30 前裁定。" in response.content.decode()


def test_a_refusal_keeps_every_answer_and_names_each_problem() -> None:
    child = child_with_parents()

    response = signed_in(police()).post(
        record_url(child), form(reference="", evidence="", on="2026-03-05")
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "“训诫”是法律文书，请填写文书编号。" in html
    assert "请填写证据与事实" in html
    assert "日期不能晚于今天。" in html
    assert 'value="刘警官"' in html
    assert 'href="#id_reference"' in html
    assert not InterventionStep.objects.exists()


def test_an_application_without_its_time_is_refused_on_the_time_field() -> None:
    child = child_with_parents()

    response = signed_in(county_officer()).post(
        record_url(child), form(step="order_applied", reference="")
    )

    assert response.status_code == 400
    assert 'href="#id_applied_time"' in response.content.decode()


def test_a_body_the_officer_does_not_work_for_is_refused_in_the_form() -> None:
    child = child_with_parents()

    response = signed_in(police()).post(record_url(child), form(body="court"))

    assert response.status_code == 403
    assert "您只能登记公安机关采取的措施" in response.content.decode()
    assert not InterventionStep.objects.exists()


def test_restoration_after_an_intentional_crime_is_refused_with_the_law() -> None:
    child = child_with_parents()
    judge = court()
    signed_in(judge).post(
        record_url(child),
        form(
            step="revocation",
            on="2026-03-01",
            guardian_role="mother",
            intentional_crime="on",
            reference="(2026)川1502民特1号",
        ),
    )

    response = signed_in(judge).post(
        record_url(child),
        form(step="restoration", guardian_role="mother", reference="(2026)川1502民特2号"),
    )

    assert response.status_code == 400
    assert "依法不得恢复（民法典第三十八条）" in response.content.decode()


def test_a_role_without_the_permission_gets_403() -> None:
    child = child_with_parents()

    assert signed_in(supervisor()).get(record_url(child)).status_code == 403
    assert signed_in(supervisor()).post(record_url(child), form()).status_code == 403


@pytest.mark.parametrize("url", [record_url, needed_url])
def test_a_child_outside_the_county_is_not_found(url: Any) -> None:
    child = child_with_parents(OTHER_COUNTY_VILLAGE)

    assert signed_in(police()).get(url(child)).status_code == 404
    assert signed_in(police()).post(url(child), form()).status_code == 404
    assert not InterventionStep.objects.exists()
    assert not WorkItem.objects.exists()


def test_an_education_officer_records_no_step() -> None:
    child = child_with_parents()
    client = signed_in(department_officer())

    page = client.get(record_url(child))
    response = client.post(record_url(child), form(step="warning", body="village_committee"))

    # Education does not see protection records: nothing is revealed.
    assert (page.status_code, response.status_code) == (404, 404)
    assert not InterventionStep.objects.exists()


# -- the section of the child's protection page ------------------------------------------------
def test_the_section_shows_the_steps_and_the_courts_deadline_in_chinese() -> None:
    child = child_with_parents()
    applied(child, at=NOW - dt.timedelta(hours=2))

    html = section(child, court())

    assert "申请人身安全保护令" in html
    assert "人民法院受理申请后 72 小时内作出人身安全保护令或驳回申请" in html
    assert "须在 2026年3月7日 08:00 前完成" in html
    assert "法院须在 2026年3月7日 08:00 前裁定" in html
    assert "登记保护令裁定" in html  # the court may enter its decision


def test_the_section_shows_an_orders_expiry_and_its_review() -> None:
    child = child_with_parents()
    granted(child, expires_on=dt.date(2026, 6, 30))

    html = section(child, county_officer())

    assert "人身安全保护令有效期至 2026年6月30日。" in html
    assert "人身安全保护令到期复查" in html
    assert 'data-clock="order_expiry"' in html


def test_the_section_marks_an_overdue_escalated_clock() -> None:
    child = child_with_parents()
    applied(child, at=NOW - dt.timedelta(hours=80))
    WorkItem.objects.update(level="city", escalated_at=NOW)

    html = section(child, county_officer())

    assert "已逾期" in html
    assert "已升级" in html


def test_the_section_offers_no_action_to_those_who_record_nothing() -> None:
    child = child_with_parents()

    html = section(child, department_officer())

    assert "还没有登记监护干预措施。" in html
    assert record_url(child) not in html
    assert section(child, AnonymousUser()).count(record_url(child)) == 0


def test_the_section_offers_the_form_and_needs_revocation_to_a_director() -> None:
    child = child_with_parents()

    html = section(child, director())

    assert record_url(child) in html
    assert needed_url(child) in html
    assert "需要撤销监护资格" in html


# -- needs revocation --------------------------------------------------------------------------
def test_needs_revocation_opens_the_petition_for_civil_affairs() -> None:
    child = child_with_parents()
    client = signed_in(director())

    page = client.get(needed_url(child))
    response = client.post(needed_url(child), {"reason": "见保护令 G000001"}, follow=True)

    assert page.status_code == 200
    assert "民法典第三十六条" in page.content.decode()
    item = WorkItem.objects.get(kind=WorkItem.Kind.REVOCATION_PETITION)
    assert item.child_id == child.pk
    assert "已交县级民政部门办理" in response.content.decode()
    again = client.post(needed_url(child), {"reason": ""}, follow=True)
    assert "县级民政部门已在办理" in again.content.decode()
    assert WorkItem.objects.filter(kind=WorkItem.Kind.REVOCATION_PETITION).count() == 1


def test_needs_revocation_while_a_petition_waits_is_refused_in_the_page() -> None:
    child = child_with_parents()
    signed_in(county_officer()).post(
        record_url(child), form(step="revocation_petition", reference="", on=str(TODAY))
    )

    response = signed_in(director()).post(needed_url(child), {"reason": ""})

    assert response.status_code == 409
    assert "已有撤销监护人资格的申请等待法院判决" in response.content.decode()


def test_the_childs_protection_page_shows_the_ladder() -> None:
    child = child_with_parents()
    applied(child, at=NOW - dt.timedelta(hours=2))

    page = signed_in(court()).get(reverse("protection:child_protection", args=[child.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="interventions"' in html
    assert "须在 2026年3月7日 08:00 前完成" in html
