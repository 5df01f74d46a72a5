"""In Chromium: an overdue visit, swept, shows on the township supervisor's work list."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Browser

from hehu.cases.models import Level, WorkItem
from hehu.cases.services.sweep import deadlines_sweep, overdue_cutoff
from hehu.cases.tests.factories import make_case, make_child, supervisor
from hehu.core.tests.browser import (  # noqa: F401 (fixtures)
    PHONE,
    Console,
    _orm_beside_playwright,
    browser,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_township_supervisor_sees_an_overdue_visit_escalated_to_the_township(
    browser: Browser,  # noqa: F811
    live_server,
) -> None:
    today = timezone.localdate()
    case = make_case(make_child(name="王小明"))
    visit = WorkItem.objects.get(case=case, kind=WorkItem.Kind.VISIT)
    # Overdue by four working days: past the three-day grace, one level up.
    visit.due_on = overdue_cutoff(today, 4)
    visit.save(update_fields=["due_on"])
    deadlines_sweep(as_of=today)
    visit.refresh_from_db()
    assert visit.level == Level.TOWNSHIP
    me = supervisor()

    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = phone.new_page()
    console = Console(page)
    try:
        sign_in(page, live_server.url, me.username)
        page.goto(f"{live_server.url}/worklist/")
        row = page.locator(f"tr[data-item='{visit.pk}']")
        text = row.inner_text()
        assert "入户走访" in text
        assert "王小明" in text
        assert "已升级至乡镇" in text
        assert "已逾期" in text
        assert "首次走访" in text  # the rule that set the date
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        row.get_by_role("link", name="王小明").click()
        page.wait_for_url(f"**/cases/{case.pk}/visits/record/")
        assert console.csp_violations() == []
        assert console.script_errors() == []
    finally:
        phone.close()
