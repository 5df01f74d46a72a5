"""In Chromium: a county officer opens a payment anomaly from the work list, reads what was
found, and resolves it; the item leaves the work list."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from hehu.benefits.models import Anomaly
from hehu.benefits.tests.reports_factories import checked_roll
from hehu.cases.models import WorkItem
from hehu.core.tests.browser import (  # noqa: F401 (fixtures)
    Console,
    _orm_beside_playwright,
    browser,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_county_officer_resolves_an_anomaly_from_the_work_list(
    browser: Browser,  # noqa: F811
    live_server,
    county_officer,
) -> None:
    checked_roll(name="王小花")
    anomaly = Anomaly.objects.get(kind=Anomaly.Kind.AMOUNT_DIFFERS)
    item = WorkItem.objects.get(object_type="benefit_anomaly", object_id=anomaly.pk)

    desk = browser.new_context(locale="zh-CN")
    page = desk.new_page()
    console = Console(page)
    try:
        sign_in(page, live_server.url, county_officer.username)
        page.goto(f"{live_server.url}/worklist/")
        row = page.locator(f"tr[data-item='{item.pk}']")
        assert "核查资金发放异常" in row.inner_text()
        row.get_by_role("link", name="王小花").click()
        page.wait_for_url(f"**/benefits/anomalies/{anomaly.pk}/")

        assert page.locator("h1").inner_text() == "发放金额与标准不符"
        assert "1500" in page.locator("#hh-evidence-text").inner_text()
        assert page.locator("#hh-status").inner_text() == "待核查"
        page.get_by_label("核实无误：情况属实、发放正确").check()
        page.get_by_label("核查情况和处理结果").fill("已按2026年新标准补差，金额核实无误")
        page.get_by_role("button", name="保存核查结论").click()
        page.wait_for_url(f"**/benefits/anomalies/{anomaly.pk}/")
        assert page.locator("#hh-status").inner_text() == "已核实无误"
        assert "已按2026年新标准补差" in page.locator("#hh-resolution").inner_text()
        assert page.locator("#hh-resolve").count() == 0

        page.goto(f"{live_server.url}/worklist/")
        assert page.locator(f"tr[data-item='{item.pk}']").count() == 0
        assert console.csp_violations() == []
        assert console.script_errors() == []
    finally:
        desk.close()
    anomaly.refresh_from_db()
    assert (anomaly.status, anomaly.resolved_by_id) == ("explained", county_officer.pk)
