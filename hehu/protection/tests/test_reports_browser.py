"""A teacher, not signed in, files a compulsory report on a phone about a 9-year-old with
genital injuries (DOMAIN.md §10 scenario 5); a police officer of that county then finds it
in the queue with its feedback deadline, 72 hours after the report's timestamp. Real
headless Chromium, the CSP in force; routing runs after commit (Celery eager in tests)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import Browser

from hehu.accounts.models import Department, Role
from hehu.accounts.tests.factories import make_user
from hehu.cases.tests.factories import OTHER_COUNTY_VILLAGE, VILLAGE
from hehu.core.tests.browser import (  # noqa: F401
    ARTIFACTS,
    PHONE,
    Console,
    _orm_beside_playwright,
    browser,
    sign_in,
)
from hehu.protection.models import Report, ReportRoute
from hehu.regions.tests.factories import region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACCOUNT = "上体育课时发现孩子走路异常，校医检查发现隐私部位有非正常损伤。"


def _fits(page: object) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"])  # type: ignore[attr-defined]


def _chinese(at: dt.datetime) -> str:
    local = timezone.localtime(at)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def test_a_teacher_reports_on_a_phone_and_the_county_police_see_the_deadline(
    browser: Browser,  # noqa: F811
    live_server,
) -> None:
    cache.clear()
    base_url = live_server.url
    region(VILLAGE, name="示范社区")
    region(OTHER_COUNTY_VILLAGE, name="双河村")
    officer = make_user(Role.DEPARTMENT_OFFICER, VILLAGE[:6], department=Department.PUBLIC_SECURITY)
    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = phone.new_page()
    console = Console(page)
    try:
        page.goto(f"{base_url}/report/")
        assert "情况紧急请立即拨打 110" in page.locator("#hh-call-110").inner_text()
        assert _fits(page)

        page.locator("#id_reporter_kind").select_option("school")
        page.get_by_label("报告人姓名").fill("李秀英")
        page.get_by_label("单位名称").fill("翠屏区第一小学")
        page.get_by_label("联系电话").fill("13800001234")
        page.get_by_label("儿童是谁").fill("三年级二班王小花，扎马尾")
        page.locator("label[for=id_child_sex_0]").click()  # 女
        page.get_by_label("大约几岁").fill("9")
        # Where: the county first, then its villages (no script needed).
        page.locator("#id_county").select_option(VILLAGE[:6])
        page.locator("#hh-pick-county").click()
        page.wait_for_load_state()
        assert page.get_by_label("报告人姓名").input_value() == "李秀英"
        page.locator("#id_region_code").select_option(VILLAGE)
        page.get_by_label("具体地点").fill("学校医务室")
        assert page.locator("#id_observed_on").input_value() == timezone.localdate().isoformat()
        page.get_by_label("看到或听到了什么").fill(ACCOUNT)

        # No situation ticked: refused, said at the top, everything typed kept.
        page.get_by_role("button", name="提交报告").click()
        summary = page.locator("#hh-error-summary")
        summary.wait_for()
        assert "请至少选择一种发现的情形" in summary.inner_text()
        assert page.get_by_label("看到或听到了什么").input_value() == ACCOUNT
        assert page.locator("#id_region_code").input_value() == VILLAGE
        assert _fits(page)

        page.locator("label[for=id_situations_0]").click()  # genital injuries
        assert page.locator("#id_situations_0").is_checked()
        page.get_by_role("button", name="提交报告").click()
        page.wait_for_url(f"{base_url}/report/receipt/*/")
        number = page.locator("#hh-report-number").inner_text()
        shown_at = page.locator("#hh-report-received").inner_text()
        assert "3 日内" in page.locator("main").inner_text()
        assert "王小花" not in page.locator("main").inner_text()
        assert _fits(page)
        assert console.csp_violations() == []
        assert console.script_errors() == []
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-teacher-last-page.png"), full_page=True)
        raise
    finally:
        phone.close()

    report = Report.objects.get()
    assert report.number == number
    assert shown_at == _chinese(report.received_at)
    route = ReportRoute.objects.get(report=report, department="public_security")
    assert route.feedback_due_at == report.received_at + dt.timedelta(hours=72)

    desk = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = desk.new_page()
    console = Console(page)
    try:
        sign_in(page, base_url, officer.username)
        page.goto(f"{base_url}/reports/")
        row = page.locator(f"tr[data-report='{report.pk}']")
        text = row.inner_text()
        assert number in text
        assert "待受理" in text
        assert f"反馈期限 {_chinese(route.feedback_due_at)}" in text
        assert "隐私部位损伤" in text
        assert "李秀英" not in text
        assert "王小花" not in text
        assert _fits(page)
        row.get_by_role("link", name=number).click()
        page.wait_for_url(f"{base_url}/reports/{report.pk}/")
        assert f"反馈期限 {_chinese(route.feedback_due_at)}" in page.locator("main").inner_text()
        assert "李秀英" not in page.locator("main").inner_text()
        page.get_by_role("button", name="当前部门受理").click()
        page.wait_for_url(f"{base_url}/reports/{report.pk}/")
        assert "公安已受理报告" in page.locator("main").inner_text()
        assert _fits(page)
        assert console.csp_violations() == []
        assert console.script_errors() == []
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-police-last-page.png"), full_page=True)
        raise
    finally:
        desk.close()
    route.refresh_from_db()
    assert route.accepted_by == officer
