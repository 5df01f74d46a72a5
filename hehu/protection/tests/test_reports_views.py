"""Compulsory report pages: the public form and its receipt, the department's queue, one
report and the steps taken on it (DOMAIN.md §8, §10 scenario 5)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hehu.accounts.models import Department, Role
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import AuditEntry, Verb
from hehu.cases.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    VILLAGE,
    county_officer,
    director,
    make_child,
)
from hehu.protection.models import Report, ReportRoute, Situation
from hehu.protection.views.reports import RATE_LIMIT
from hehu.regions.tests.factories import region

pytestmark = pytest.mark.django_db

TEACHER = "李秀英老师"
UNIT = "翠屏区第一小学"
PHONE = "13800001234"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # The anonymous page's limiter counts in the cache: each test starts from nothing.
    cache.clear()


def police(village: str = VILLAGE) -> Any:
    return make_user(Role.DEPARTMENT_OFFICER, village[:6], department=Department.PUBLIC_SECURITY)


def education(village: str = VILLAGE) -> Any:
    return make_user(Role.DEPARTMENT_OFFICER, village[:6], department=Department.EDUCATION)


def form_data(**changes: Any) -> dict[str, Any]:
    """A teacher's report about a 9-year-old girl with genital injuries (scenario 5)."""
    region(VILLAGE)
    data: dict[str, Any] = {
        "reporter_kind": "school",
        "reporter_name": TEACHER,
        "reporter_unit": UNIT,
        "reporter_phone": PHONE,
        "child_description": "三年级二班王小花，扎马尾",
        "child_sex": "female",
        "child_age": "9",
        "county": VILLAGE[:6],
        "region_code": VILLAGE,
        "place": "学校医务室",
        "observed_on": timezone.localdate().isoformat(),
        "situations": [Situation.GENITAL_INJURY],
        "account": "体检时发现孩子隐私部位有多处淤伤，孩子说不敢回家。",
        "client_token": "tok-"
        + hashlib.sha256(repr(sorted(changes.items())).encode()).hexdigest()[:20],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def file_report(client: Client, django_capture_on_commit_callbacks: Any, **changes: Any) -> Report:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/report/", form_data(**changes))
    assert response.status_code == 302, response.content.decode()[:3000]
    return Report.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


# -- the public form ---------------------------------------------------------------------------
def test_the_report_page_opens_without_signing_in(client: Client) -> None:
    region(VILLAGE)
    page = client.get("/report/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "情况紧急请立即拨打 110" in html
    # The nine situations with their legal wording, and the county's villages to choose.
    for situation in Situation:
        assert str(situation.label) in html
    assert f'value="{VILLAGE}"' in html
    assert 'name="client_token"' in html


def test_a_teacher_files_a_report_and_sees_its_reference_and_timestamp(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    report = file_report(client, django_capture_on_commit_callbacks)
    receipt = client.get(f"/report/receipt/{report.pk}/")
    assert receipt.status_code == 200
    html = receipt.content.decode()
    assert report.number in html
    received = timezone.localtime(report.received_at)
    assert f"{received.year}年{received.month}月{received.day}日 {received:%H:%M}" in html
    assert "3 日内" in html
    # No identifying details on the receipt.
    assert TEACHER not in html
    assert "王小花" not in html
    assert receipt["Cache-Control"] == "no-store"
    # Saved with the reporter encrypted, and routed after commit.
    assert report.reporter_kind == "school"
    assert report.filed_by is None
    assert TEACHER not in report.reporter_name_encrypted
    assert report.routed_at is not None
    assert set(report.routes.values_list("department", flat=True)) == {
        "public_security",
        "civil_affairs",
        "education",
    }


def test_the_receipt_is_shown_only_to_the_browser_that_filed_the_report(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    report = file_report(client, django_capture_on_commit_callbacks)
    assert Client().get(f"/report/receipt/{report.pk}/").status_code == 404
    assert client.get(f"/report/receipt/{report.pk + 1}/").status_code == 404


def test_a_retried_submit_returns_the_same_report(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    first = file_report(client, django_capture_on_commit_callbacks, client_token="same-token")
    # The first answer was lost on a weak connection: the retry comes without the session.
    again = Client()
    response = again.post("/report/", form_data(client_token="same-token"))
    assert response["Location"] == f"/report/receipt/{first.pk}/"
    assert Report.objects.count() == 1
    assert again.get(response["Location"]).status_code == 200


def test_a_refused_report_names_each_problem_and_keeps_everything_typed(client: Client) -> None:
    region(VILLAGE)
    response = client.post(
        "/report/",
        form_data(
            child_age="15",
            situations=[Situation.UNDER_14_SEXUAL],
            region_code="511502001999",
            reporter_phone="",
        ),
    )
    assert response.status_code == 400
    html = response.content.decode()
    summary = html.split('id="hh-error-summary"')[1].split("</div>")[0]
    assert "儿童已满十四周岁（15 岁）" in summary
    assert "区划代码 511502001999 不存在或已撤销" in summary
    assert "请填写联系电话" in summary
    # In the order of the page.
    assert summary.index("#id_reporter_phone") < summary.index("#id_region_code")
    assert summary.index("#id_region_code") < summary.index("#id_situations_0")
    # Each message next to its field too.
    assert 'id="id_situations_error"' in html
    assert 'id="id_region_code_error"' in html
    # Nothing typed is lost.
    assert f'value="{TEACHER}"' in html
    assert f'value="{UNIT}"' in html
    assert "孩子说不敢回家" in html
    assert re.search(r'value="under_14_sexual"[^>]*checked', html)
    assert Report.objects.count() == 0


def test_a_report_without_a_situation_is_refused(client: Client) -> None:
    response = client.post("/report/", form_data(situations=[]))
    assert response.status_code == 400
    assert "请至少选择一种发现的情形" in response.content.decode()
    assert Report.objects.count() == 0


def test_an_unreadable_age_is_named_with_the_other_problems(client: Client) -> None:
    response = client.post("/report/", form_data(child_age="九岁", account=""))
    assert response.status_code == 400
    html = response.content.decode()
    assert "年龄请填写整数（岁）" in html
    assert "请写明发现的情况" in html


def test_the_public_may_report_anonymously(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    report = file_report(
        client,
        django_capture_on_commit_callbacks,
        reporter_kind="public",
        anonymous="on",
        reporter_name="",
        reporter_unit="",
        reporter_phone="",
    )
    assert report.anonymous
    assert report.reporter_name_encrypted == ""


def test_a_token_the_page_did_not_make_is_ignored(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    report = file_report(client, django_capture_on_commit_callbacks, client_token="x" * 65)
    assert report.client_token is None


def test_a_school_may_not_report_anonymously(client: Client) -> None:
    response = client.post("/report/", form_data(anonymous="on"))
    assert response.status_code == 400
    assert "强制报告单位不能匿名" in response.content.decode()
    assert Report.objects.count() == 0


def test_choosing_a_county_shows_its_villages_and_keeps_what_was_typed(client: Client) -> None:
    region(VILLAGE)
    region(OTHER_COUNTY_VILLAGE)
    response = client.post(
        "/report/", {**form_data(county=OTHER_COUNTY_VILLAGE[:6], region_code=""), "pick": "county"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{OTHER_COUNTY_VILLAGE}"' in html
    assert f'value="{VILLAGE}"' not in html
    assert "hh-error-summary" not in html
    assert f'value="{TEACHER}"' in html
    assert Report.objects.count() == 0


def test_the_anonymous_page_takes_at_most_ten_reports_an_hour_from_one_address(
    client: Client,
) -> None:
    for n in range(RATE_LIMIT):
        assert client.post("/report/", form_data(client_token=f"t{n}")).status_code == 302
    refused = client.post("/report/", form_data(client_token="one-too-many"))
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "一小时内提交的报告已达 10 份" in html
    assert "110" in html
    assert f'value="{TEACHER}"' in html
    assert "孩子说不敢回家" in html
    assert Report.objects.count() == RATE_LIMIT
    # A retry of a report already filed is still answered.
    assert client.post("/report/", form_data(client_token="t0")).status_code == 302


def test_a_village_director_files_as_themselves_naming_a_registered_child(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    me = director()
    child = make_child(name="张小军", sex="male")
    client.force_login(me)
    page = client.get(f"/report/?child_id={child.pk}")
    assert f'<option value="{child.pk}" selected>张小军</option>' in page.content.decode()
    report = file_report(
        client,
        django_capture_on_commit_callbacks,
        reporter_kind="village_committee",
        reporter_unit="示范社区居委会",
        child_id=str(child.pk),
        child_description="",
        child_sex="",
        child_age="",
        situations=[Situation.ABANDONED],
    )
    assert report.filed_by == me
    assert report.child == child


def test_a_signed_in_person_may_not_name_a_child_outside_their_register(
    client: Client,
) -> None:
    outside = make_child(OTHER_COUNTY_VILLAGE, name="界外儿童")
    client.force_login(director())
    response = client.post("/report/", form_data(child_id=str(outside.pk), child_description=""))
    assert response.status_code == 400
    assert "界外儿童" not in response.content.decode()
    assert Report.objects.count() == 0


# -- the queue and the report -------------------------------------------------------------------
def test_the_police_of_the_county_see_the_report_with_its_feedback_deadline(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    report = file_report(client, django_capture_on_commit_callbacks)
    route = ReportRoute.objects.get(report=report, department="public_security")
    assert route.feedback_due_at == report.received_at + dt.timedelta(hours=72)
    officer = Client()
    officer.force_login(police())
    queue = officer.get("/reports/")
    assert queue.status_code == 200
    row = queue.content.decode().split(f'data-report="{report.pk}"')[1].split("</tr>")[0]
    assert report.number in row
    assert "待受理" in row
    assert "小时内须反馈" in row
    due = timezone.localtime(route.feedback_due_at)
    assert f"反馈期限 {due.year}年{due.month}月{due.day}日 {due:%H:%M}" in row
    assert "未登记" in row
    assert "隐私部位损伤" in row
    todo = officer.get("/reports/?show=todo").content.decode()
    assert f'data-report="{report.pk}"' in todo


def test_police_of_another_county_neither_list_nor_open_the_report(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    report = file_report(client, django_capture_on_commit_callbacks)
    other = Client()
    other.force_login(police(OTHER_COUNTY_VILLAGE))
    assert report.number not in other.get("/reports/").content.decode()
    assert other.get(f"/reports/{report.pk}/").status_code == 404
    assert other.post(f"/reports/{report.pk}/accept/").status_code == 404
    assert not AuditEntry.objects.filter(verb=Verb.REPORT_VIEWED).exists()


def test_education_sees_a_school_matter_but_not_a_report_outside_school(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    school = file_report(client, django_capture_on_commit_callbacks)
    family = file_report(
        client,
        django_capture_on_commit_callbacks,
        reporter_kind="hospital",
        reporter_unit="翠屏区人民医院",
        client_token="hospital",
    )
    officer = Client()
    officer.force_login(education())
    html = officer.get("/reports/").content.decode()
    assert school.number in html
    assert family.number not in html
    assert officer.get(f"/reports/{family.pk}/").status_code == 404


def test_the_reporter_is_never_in_the_queue_or_the_report_until_revealed(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    report = file_report(client, django_capture_on_commit_callbacks)
    officer = Client()
    me = police()
    officer.force_login(me)
    for url in ("/reports/", f"/reports/{report.pk}/"):
        html = officer.get(url).content.decode()
        assert TEACHER not in html
        assert UNIT not in html
        assert PHONE not in html
    assert "王小花" not in officer.get("/reports/").content.decode()  # the list names no child
    assert AuditEntry.objects.filter(verb=Verb.REPORT_VIEWED, object_id=str(report.pk)).exists()

    no_reason = officer.post(f"/reports/{report.pk}/reveal-reporter/", {"reason": ""})
    assert no_reason.status_code == 400
    assert TEACHER not in no_reason.content.decode()
    shown = officer.post(f"/reports/{report.pk}/reveal-reporter/", {"reason": "向报告单位反馈"})
    assert shown.status_code == 200
    html = shown.content.decode()
    assert TEACHER in html
    assert UNIT in html
    assert PHONE in html
    assert shown["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(verb=Verb.REPORTER_REVEALED, object_id=str(report.pk))
    assert entry.actor == me
    assert entry.reason == "向报告单位反馈"


def test_education_may_not_see_who_reported(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    report = file_report(client, django_capture_on_commit_callbacks)
    officer = Client()
    officer.force_login(education())
    assert "查看报告人" not in officer.get(f"/reports/{report.pk}/").content.decode()
    refused = officer.post(f"/reports/{report.pk}/reveal-reporter/", {"reason": "了解情况"})
    assert refused.status_code == 403
    assert TEACHER not in refused.content.decode()
    assert not AuditEntry.objects.filter(verb=Verb.REPORTER_REVEALED).exists()


def test_the_police_accept_give_feedback_and_record_a_finding_through_the_pages(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    report = file_report(client, django_capture_on_commit_callbacks)
    officer = Client()
    officer.force_login(police())
    url = f"/reports/{report.pk}/"
    early = officer.post(url + "feedback/", {"feedback": "已立案侦查，儿童由外婆临时照料。"})
    assert early.status_code == 400
    assert "请先受理报告" in early.content.decode()

    accepted = officer.post(url + "accept/", follow=True)
    assert "公安已受理报告" in accepted.content.decode()
    again = officer.post(url + "accept/")
    assert again.status_code == 409
    assert "已于" in again.content.decode()

    short = officer.post(url + "feedback/", {"feedback": "已处理"})
    assert short.status_code == 400
    assert "至少 10 个字" in short.content.decode()
    assert "已处理" in short.content.decode()
    given = officer.post(
        url + "feedback/", {"feedback": "已立案侦查，儿童由外婆临时照料。"}, follow=True
    )
    assert "已记录向报告单位的反馈" in given.content.decode()
    assert "已反馈" in given.content.decode()

    found = officer.post(url + "finding/", {"finding": "substantiated"}, follow=True)
    assert "已记录核查结论" in found.content.decode()
    report.refresh_from_db()
    assert report.finding == Report.Finding.SUBSTANTIATED
    assert report.status == Report.Status.CLOSED


def test_a_refused_finding_is_said_on_the_page(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    report = file_report(client, django_capture_on_commit_callbacks)
    officer = Client()
    officer.force_login(police())
    refused = officer.post(f"/reports/{report.pk}/finding/", {"finding": ""})
    assert refused.status_code == 400
    assert "请选择核查结论" in refused.content.decode()


def test_education_may_not_record_a_finding(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    report = file_report(client, django_capture_on_commit_callbacks)
    officer = Client()
    officer.force_login(education())
    refused = officer.post(f"/reports/{report.pk}/finding/", {"finding": "substantiated"})
    assert refused.status_code == 403
    report.refresh_from_db()
    assert report.finding == Report.Finding.PENDING


def test_civil_affairs_find_and_link_the_registered_child(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    report = file_report(client, django_capture_on_commit_callbacks)
    child = make_child(name="王小花", sex="female")
    make_child(OTHER_COUNTY_VILLAGE, name="王小花")  # another county's child of that name
    officer = Client()
    officer.force_login(county_officer())
    found = officer.get(f"/reports/{report.pk}/?child_q=王小").content.decode()
    assert found.count('name="child_id" value=') == 1
    assert f'name="child_id" value="{child.pk}"' in found
    linked = officer.post(f"/reports/{report.pk}/link-child/", {"child_id": child.pk}, follow=True)
    assert "报告已关联到儿童档案" in linked.content.decode()
    report.refresh_from_db()
    assert report.child == child
    queue = officer.get("/reports/").content.decode()
    row = queue.split(f'data-report="{report.pk}"')[1].split("</tr>")[0]
    assert "已登记儿童" in row
    assert "王小花" not in row


def test_a_child_outside_the_jurisdiction_cannot_be_linked(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    report = file_report(client, django_capture_on_commit_callbacks)
    outside = make_child(OTHER_COUNTY_VILLAGE, name="界外儿童")
    officer = Client()
    officer.force_login(county_officer())
    refused = officer.post(f"/reports/{report.pk}/link-child/", {"child_id": outside.pk})
    assert refused.status_code == 400
    assert "界外儿童" not in refused.content.decode()
    report.refresh_from_db()
    assert report.child_id is None


def test_the_queue_needs_an_account_and_the_permission(client: Client) -> None:
    assert client.get("/reports/")["Location"].startswith("/login/")
    client.force_login(director())
    assert client.get("/reports/").status_code == 403


def test_the_queue_costs_the_same_queries_for_two_reports_or_six(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    for n in range(2):
        file_report(client, django_capture_on_commit_callbacks, client_token=f"a{n}")
    officer = Client()
    officer.force_login(police())
    officer.get("/reports/")  # the session and the user are loaded once
    with CaptureQueriesContext(connection) as few:
        officer.get("/reports/")
    for n in range(4):
        file_report(client, django_capture_on_commit_callbacks, client_token=f"b{n}")
    with CaptureQueriesContext(connection) as more:
        html = officer.get("/reports/").content.decode()
    assert html.count("data-report=") == 6
    assert len(more.captured_queries) == len(few.captured_queries)
