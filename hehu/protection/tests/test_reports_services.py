"""Compulsory reports: filing, the age-14 rule, routing and its clocks, never losing a
report, acting on it, and the facts that follow (DOMAIN.md §8, §10 scenario 5)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
import time_machine

from hehu.accounts.models import Department, Role
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import AuditEntry, Verb
from hehu.cases.models import Level, WorkItem
from hehu.cases.tests.factories import OTHER_COUNTY_VILLAGE, VILLAGE, county_officer, make_child
from hehu.cases.worklist import worklist_for
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.policy.models import ChildClassification
from hehu.protection.models import Report, ReportRoute, Situation
from hehu.protection.report_selectors import access_report_by_id, reports_visible_to
from hehu.protection.services import reports as service
from hehu.protection.services.report_actions import (
    ReportAlreadyAccepted,
    report_accept,
    report_child_link,
    report_feedback_give,
    report_finding_record,
    report_reporter_reveal,
)
from hehu.protection.services.reports import (
    ReportData,
    report_file,
    report_route,
    reports_route_pending,
)
from hehu.regions.tests.factories import region
from hehu.registry.models import ProtectionConcern

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)  # Monday 17:30 in Beijing


def police(village: str = VILLAGE) -> Any:
    return make_user(Role.DEPARTMENT_OFFICER, village[:6], department=Department.PUBLIC_SECURITY)


def education(village: str = VILLAGE) -> Any:
    return make_user(Role.DEPARTMENT_OFFICER, village[:6], department=Department.EDUCATION)


def teacher_report(**changes: Any) -> ReportData:
    """A teacher's report (not signed in) about a 9-year-old girl with genital injuries."""
    region(VILLAGE)
    data = ReportData(
        reporter_kind="school",
        reporter_name="李老师",
        reporter_unit="翠屏区第一小学",
        reporter_phone="13800000000",
        child_description="三年级二班王小花，约9岁",
        child_sex="female",
        child_age=9,
        region_code=VILLAGE,
        situations=[Situation.GENITAL_INJURY],
        observed_on=dt.date(2026, 3, 2),
        account="体育课后发现孩子走路困难，询问后发现隐私部位有伤。",
    )
    return dataclasses.replace(data, **changes)


def filed(data: ReportData | None = None, actor: Any = None, **kw: Any) -> Report:
    report, created = report_file(actor=actor, data=data or teacher_report(), **kw)
    assert created
    return report


# ---- filing -------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_a_report_is_saved_with_its_reference_and_timestamp_and_the_reporter_encrypted() -> None:
    report = filed()
    assert report.number == f"P{report.pk:06d}"
    assert report.received_at == NOW
    assert report.school_matter  # a school reporter
    stored = Report.objects.get(pk=report.pk)
    assert "李老师" not in stored.reporter_name_encrypted
    assert stored.reporter_name_encrypted
    assert stored.reporter_phone_encrypted
    entry = AuditEntry.objects.get(verb=Verb.REPORT_FILED)
    assert entry.actor is None
    assert "李老师" not in str(entry.changes)
    assert "13800000000" not in str(entry.changes)


@pytest.mark.parametrize("situation", Situation.values)
@time_machine.travel(NOW, tick=False)
def test_each_of_the_nine_situations_can_be_reported(situation: str) -> None:
    age = 15 if situation == Situation.OVER_14_PREGNANCY else 9
    report = filed(teacher_report(situations=[situation], child_age=age))
    assert report.situations == [situation]


@time_machine.travel(NOW, tick=False)
def test_the_age_14_rule_sends_each_pregnancy_report_to_its_situation() -> None:
    with pytest.raises(ValidationFailed) as under:
        filed(teacher_report(situations=[Situation.OVER_14_PREGNANCY], child_age=13))
    assert "不满十四周岁（13 岁）" in under.value.errors["situations"][0]
    with pytest.raises(ValidationFailed) as over:
        filed(teacher_report(situations=[Situation.UNDER_14_SEXUAL], child_age=14))
    assert "已满十四周岁（14 岁）" in over.value.errors["situations"][0]
    with pytest.raises(ValidationFailed) as boy:
        filed(teacher_report(situations=[Situation.UNDER_14_SEXUAL], child_sex="male"))
    assert "适用于女性未成年人" in boy.value.errors["situations"][0]
    # The registered child's age on the day seen decides: 14 on her birthday.
    director = make_user(Role.VILLAGE_DIRECTOR, VILLAGE)
    girl = make_child(sex="female", birth_date=dt.date(2012, 3, 2))
    data = teacher_report(
        reporter_kind="village_committee",
        child_id=girl.pk,
        child_description="",
        situations=[Situation.UNDER_14_SEXUAL],
    )
    with pytest.raises(ValidationFailed):
        report_file(actor=director, data=data)
    day_before = dataclasses.replace(data, observed_on=dt.date(2026, 3, 1))
    assert report_file(actor=director, data=day_before)[1]
    assert Report.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_every_problem_is_named_at_once_and_nothing_is_saved() -> None:
    data = teacher_report(
        reporter_name="",
        reporter_phone="call me",
        child_description="",
        child_age=19,
        region_code="511502999999",
        situations=[],
        observed_on=dt.date(2026, 3, 3),
        account="",
    )
    with pytest.raises(ValidationFailed) as refused:
        filed(data)
    assert set(refused.value.errors) == {
        "reporter_name",
        "reporter_phone",
        "child_description",
        "child_age",
        "region_code",
        "observed_on",
        "situations",
        "account",
    }
    assert refused.value.errors["region_code"] == ["区划代码 511502999999 不存在或已撤销"]
    assert not Report.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_public_may_report_anonymously_but_a_mandated_unit_may_not() -> None:
    anonymous = teacher_report(
        reporter_kind="public", anonymous=True, reporter_name="", reporter_unit=""
    )
    report = filed(anonymous)
    assert report.anonymous
    assert not report.reporter_name_encrypted
    with pytest.raises(ValidationFailed) as refused:
        filed(dataclasses.replace(anonymous, reporter_kind="hospital"))
    assert "强制报告单位不能匿名" in refused.value.errors["anonymous"][0]


@time_machine.travel(NOW, tick=False)
def test_a_retried_submit_returns_the_first_report() -> None:
    first = filed(client_token="tok-1")
    again, created = report_file(actor=None, data=teacher_report(), client_token="tok-1")
    assert not created
    assert again.pk == first.pk
    assert Report.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_signed_in_analyst_cannot_file_as_themselves() -> None:
    analyst = make_user(Role.CITY_ANALYST, VILLAGE[:4])
    with pytest.raises(PermissionRefused):
        report_file(actor=analyst, data=teacher_report())


# ---- routing and clocks ---------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_routing_puts_it_in_the_police_civil_affairs_and_education_queues_with_clocks(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        report = filed()
    report.refresh_from_db()
    assert report.routed_at == NOW
    routes = {r.department: r for r in report.routes.all()}
    assert set(routes) == {"public_security", "civil_affairs", "education"}
    assert {r.region_code for r in routes.values()} == {"511502000000"}
    assert routes["public_security"].feedback_due_at == NOW + dt.timedelta(hours=72)
    items = {i.kind: i for i in WorkItem.objects.filter(object_type="report")}
    police_item = items[WorkItem.Kind.REPORT_POLICE]
    assert (police_item.department, police_item.level) == ("public_security", Level.COUNTY)
    assert police_item.due_at == NOW + dt.timedelta(hours=72)
    assert police_item.due_on == dt.date(2026, 3, 5)
    assert police_item.child_id is None  # the child is not identified yet
    assert "72 小时内向报告单位反馈" in police_item.rule["zh"]
    assert items[WorkItem.Kind.REPORT_CIVIL].due_on == dt.date(2026, 3, 5)  # 3 working days
    assert items[WorkItem.Kind.REPORT_EDUCATION].department == "education"
    # Each department sees its own item on its work list, and no other.
    today = dt.date(2026, 3, 2)
    kinds = {i.kind for i in worklist_for(user=police(), as_of=today)}
    assert kinds == {WorkItem.Kind.REPORT_POLICE}
    kinds = {i.kind for i in worklist_for(user=county_officer(), as_of=today)}
    assert kinds == {WorkItem.Kind.REPORT_CIVIL}
    kinds = {i.kind for i in worklist_for(user=education(), as_of=today)}
    assert kinds == {WorkItem.Kind.REPORT_EDUCATION}


@time_machine.travel(NOW, tick=False)
def test_a_report_not_about_school_is_not_routed_to_education(
    django_capture_on_commit_callbacks: Any,
) -> None:
    data = teacher_report(reporter_kind="hospital", reporter_unit="宜宾市第一人民医院")
    with django_capture_on_commit_callbacks(execute=True):
        report = filed(data)
    assert {r.department for r in report.routes.all()} == {"public_security", "civil_affairs"}
    assert not reports_visible_to(user=education()).exists()


@time_machine.travel(NOW, tick=False)
def test_a_report_is_kept_when_routing_fails_and_the_retry_routes_it(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("queue unavailable")

    monkeypatch.setattr(service, "_open_clock", broken)
    with django_capture_on_commit_callbacks(execute=True):
        report = filed()
    report.refresh_from_db()
    assert report.routed_at is None
    assert report.routing_attempts >= 1
    assert "queue unavailable" in report.routing_error
    assert not ReportRoute.objects.exists()
    assert not WorkItem.objects.exists()
    assert AuditEntry.objects.filter(verb=Verb.REPORT_ROUTING_FAILED).exists()
    # County civil affairs see the unrouted report of their county meanwhile.
    assert list(reports_visible_to(user=county_officer())) == [report]
    assert not reports_visible_to(user=police()).exists()

    monkeypatch.undo()
    assert reports_route_pending() == 1
    report.refresh_from_db()
    assert report.routed_at is not None
    assert report.routing_error == ""
    assert reports_route_pending() == 0  # idempotent
    assert ReportRoute.objects.filter(report=report).count() == 3


# ---- who sees it ----------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_only_the_departments_routed_to_in_that_county_see_a_report(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        report = filed(teacher_report(reporter_kind="hospital", reporter_unit="医院"))
    assert access_report_by_id(police(), report.pk) == report
    assert access_report_by_id(county_officer(), report.pk) == report
    from django.http import Http404

    for outsider in (
        police(OTHER_COUNTY_VILLAGE),
        education(),
        make_user(Role.VILLAGE_DIRECTOR, VILLAGE),
        make_user(Role.CITY_ANALYST, VILLAGE[:4]),
    ):
        with pytest.raises(Http404):
            access_report_by_id(outsider, report.pk)


# ---- acting on it: scenario 5 ---------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_scenario_5_teacher_report_police_feedback_and_the_child_flagged(
    django_capture_on_commit_callbacks: Any,
) -> None:
    """DOMAIN.md §10.5: a teacher sees genital injuries on a 9-year-old → a compulsory
    report to police, timestamped, reporter confidential, police feedback due within 3 days,
    the child flagged guardianship_risk (once the harm is substantiated)."""
    girl = make_child(sex="female", birth_date=dt.date(2016, 9, 1))
    officer = police()
    with django_capture_on_commit_callbacks(execute=True):
        report = filed()
    # The report described the child; the police identify her.
    with django_capture_on_commit_callbacks(execute=True):
        report_child_link(actor=officer, report=report, child=girl)
    concern = ProtectionConcern.objects.get(child=girl)
    assert (concern.type, concern.substantiated, concern.since) == (
        "sexual_abuse",
        False,
        dt.date(2026, 3, 2),
    )
    classification = ChildClassification.objects.get(child=girl)
    assert "concern_unsubstantiated" in classification.signals
    assert "guardianship_risk" not in classification.categories

    route = report_accept(actor=officer, report=report)
    assert route.accepted_at == NOW
    with pytest.raises(ReportAlreadyAccepted):
        report_accept(actor=officer, report=report)
    with django_capture_on_commit_callbacks(execute=True):
        report_finding_record(actor=officer, report=report, finding="substantiated")
    concern.refresh_from_db()
    assert concern.substantiated
    assert "guardianship_risk" in ChildClassification.objects.get(child=girl).categories
    # The child's file history names the report by number only.
    history = AuditEntry.objects.filter(verb=Verb.CHILD_UPDATED, child_id=girl.pk)
    assert {e.reason for e in history} == {f"强制报告 {report.number}"}

    with pytest.raises(ValidationFailed):
        report_feedback_give(actor=officer, report=report, feedback="已处理")
    report_feedback_give(
        actor=officer, report=report, feedback="已立案侦查，儿童已由民政部门临时安置。"
    )
    assert not WorkItem.objects.filter(kind=WorkItem.Kind.REPORT_POLICE, status="open").exists()
    report.refresh_from_db()
    assert report.status == Report.Status.CLOSED
    entry = AuditEntry.objects.get(verb=Verb.REPORT_FEEDBACK)
    assert entry.changes == {"on_time": True}


@time_machine.travel(NOW, tick=False)
def test_only_the_police_give_feedback_and_only_police_or_civil_affairs_record_findings(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        report = filed()
    teacher_desk = education()
    report_accept(actor=teacher_desk, report=report)
    with pytest.raises(PermissionRefused):
        report_feedback_give(actor=teacher_desk, report=report, feedback="学校已经处理完毕了。")
    with pytest.raises(PermissionRefused):
        report_finding_record(actor=teacher_desk, report=report, finding="substantiated")
    civil = county_officer()
    report_finding_record(actor=civil, report=report, finding="not_substantiated")
    assert not WorkItem.objects.filter(kind=WorkItem.Kind.REPORT_CIVIL, status="open").exists()
    with pytest.raises(PermissionRefused):
        report_accept(actor=police(OTHER_COUNTY_VILLAGE), report=report)


@time_machine.travel(NOW, tick=False)
def test_the_reporter_is_revealed_only_with_a_reason_and_only_to_police_and_civil_affairs(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        report = filed()
    officer = police()
    with pytest.raises(ValidationFailed):
        report_reporter_reveal(actor=officer, report=report, reason=" ")
    reporter = report_reporter_reveal(actor=officer, report=report, reason="联系报告人核实伤情")
    assert (reporter.name, reporter.unit, reporter.phone) == (
        "李老师",
        "翠屏区第一小学",
        "13800000000",
    )
    entry = AuditEntry.objects.get(verb=Verb.REPORTER_REVEALED)
    assert (entry.actor, entry.reason) == (officer, "联系报告人核实伤情")
    with pytest.raises(PermissionRefused):
        report_reporter_reveal(actor=education(), report=report, reason="了解情况")


@time_machine.travel(NOW, tick=False)
def test_an_action_before_routing_is_refused_as_pending_not_lost(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report = filed()  # no commit callbacks: not routed yet
    with pytest.raises(service.ReportNotRouted):
        report_accept(actor=county_officer(), report=report)
    assert report_route(report_id=report.pk)
    assert not report_route(report_id=report.pk)


@time_machine.travel(NOW, tick=False)
def test_the_police_work_list_shows_the_feedback_hour_on_the_page_and_in_the_api(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.test import Client
    from rest_framework.test import APIClient

    with django_capture_on_commit_callbacks(execute=True):
        filed()
    officer = police()
    page = Client()
    page.force_login(officer)
    html = page.get("/worklist/").content.decode()
    assert "2026年3月5日 17:30" in html  # 72 hours after 17:30 Beijing time on 2 March
    api = APIClient()
    api.force_authenticate(officer)
    (row,) = api.get("/api/v1/worklist/").json()["results"]
    assert row["due_at"] == "2026-03-05T17:30:00+08:00"
    assert row["child_name"].startswith("强制报告 P")
