"""A township supervisor reviews a submitted plan from the case's plans and a county
officer approves it; where the township approves, the supervisor's click approves it.
Real headless Chromium against the live server, with the Content-Security-Policy in force."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize

from hehu.cases.models import ServicePlan, WorkItem
from hehu.cases.procedures import DEFAULT_DIR, _load
from hehu.cases.tests.test_services_plans import submitted
from hehu.core.tests.browser import (  # noqa: F401
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    Console,
    _orm_beside_playwright,
    browser,
    open_menu,
    save_failure_screenshots,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DESKTOP = ViewportSize(width=1280, height=800)
ON_A_PHONE = ViewportSize(width=PHONE["width"], height=PHONE["height"])


def sign_out(page: Page, base_url: str) -> None:
    open_menu(page)
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(f"{base_url}/login/")


def open_plan_from_the_case(page: Page, base_url: str, plan: ServicePlan) -> None:
    page.goto(f"{base_url}/cases/{plan.case_id}/plans/")
    page.get_by_role("link", name=f"第 {plan.number} 号服务计划").click()
    page.wait_for_url(f"{base_url}/cases/{plan.case_id}/plans/{plan.pk}/")


def status_shown(page: Page) -> str:
    return page.locator("#hh-plan-status").inner_text().strip()


@pytest.fixture
def township_approves(tmp_path: Path, settings: Any) -> Iterator[None]:
    text = (DEFAULT_DIR / "cn-national.yaml").read_text(encoding="utf-8")
    head, tail = text.split("plan_approver_level:", 1)
    tail = tail.replace("- value: county", "- value: township", 1)
    (tmp_path / "cn-national.yaml").write_text(
        head + "plan_approver_level:" + tail, encoding="utf-8"
    )
    settings.HEHU_PROCEDURE_DIR = str(tmp_path)
    _load.cache_clear()
    yield
    _load.cache_clear()


def test_a_supervisor_reviews_a_plan_and_the_county_approves_it(
    browser: Browser,  # noqa: F811
    live_server: Any,
    township_supervisor: Any,
    county_officer: Any,
) -> None:
    base_url = live_server.url
    plan, _director = submitted()
    phone = browser.new_context(viewport=ON_A_PHONE, locale="zh-CN")
    page = phone.new_page()
    console = Console(page)
    try:
        sign_in(page, base_url, township_supervisor.username)
        open_plan_from_the_case(page, base_url, plan)
        assert status_shown(page) == "待审核"
        text = page.locator("main").inner_text()
        assert "1,651.00 元" in text
        assert "提交后 5 个工作日内审核服务计划" in text
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.get_by_role("button", name="审核通过").click()
        page.wait_for_load_state()
        assert status_shown(page) == "待审批"
        assert page.get_by_role("button", name="批准", exact=True).count() == 0
        sign_out(page, base_url)
    except Exception:
        save_failure_screenshots(page, base_url, "plan-supervisor")
        raise
    finally:
        phone.close()
    plan.refresh_from_db()
    assert (plan.status, plan.reviewed_by) == (ServicePlan.Status.REVIEWED, township_supervisor)

    desktop = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    county_page = desktop.new_page()
    county_console = Console(county_page)
    try:
        sign_in(county_page, base_url, county_officer.username)
        open_plan_from_the_case(county_page, base_url, plan)
        county_page.get_by_role("button", name="批准", exact=True).click()
        county_page.wait_for_load_state()
        assert status_shown(county_page) == "已批准"
        assert county_page.locator("#hh-review-on").inner_text()
    except Exception:
        save_failure_screenshots(county_page, base_url, "plan-county")
        raise
    finally:
        desktop.close()
    plan.refresh_from_db()
    assert (plan.status, plan.approved_by) == (ServicePlan.Status.APPROVED, county_officer)
    assert plan.review_on is not None
    assert WorkItem.objects.filter(
        object_type="plan", object_id=plan.pk, kind="plan_renewal", status="open"
    ).exists()
    for seen in (console, county_console):
        assert seen.csp_violations() == []
        assert seen.script_errors() == []


def test_where_the_township_approves_the_supervisors_click_approves(
    browser: Browser,  # noqa: F811
    live_server: Any,
    township_supervisor: Any,
    township_approves: None,
) -> None:
    base_url = live_server.url
    plan, _director = submitted()
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    console = Console(page)
    try:
        sign_in(page, base_url, township_supervisor.username)
        open_plan_from_the_case(page, base_url, plan)
        assert "审核通过即批准" in page.locator("main").inner_text()
        page.get_by_role("button", name="审核通过").click()
        page.wait_for_load_state()
        assert status_shown(page) == "已批准"
    except Exception:
        save_failure_screenshots(page, base_url, "plan-township")
        raise
    finally:
        context.close()
    plan.refresh_from_db()
    assert plan.status == ServicePlan.Status.APPROVED
    assert plan.approved_by == township_supervisor
    assert console.csp_violations() == []
    assert console.script_errors() == []


def test_a_director_adds_an_item_row_on_a_phone(
    browser: Browser,  # noqa: F811
    live_server: Any,
    village_director: Any,
) -> None:
    """The editor's "add another" works under the CSP, and an error keeps what was typed."""
    from hehu.cases.services.plans import plan_draft
    from hehu.cases.tests.test_services_plans import planning_case

    base_url = live_server.url
    plan = plan_draft(actor=village_director, case=planning_case(village_director))
    context = browser.new_context(viewport=ON_A_PHONE, locale="zh-CN")
    page = context.new_page()
    console = Console(page)
    try:
        sign_in(page, base_url, village_director.username)
        page.goto(f"{base_url}/cases/{plan.case_id}/plans/{plan.pk}/edit/")
        page.locator("#id_goals-0-need").select_option("basic_living")
        page.locator("#id_goals-0-description").fill("保障基本生活")
        page.locator("#id_items-0-kind").select_option("cash")
        page.locator("#id_items-0-support").select_option("unattended_allowance")
        page.locator("#id_items-0-goal").select_option("1")
        page.locator("#id_items-0-provider").select_option("dept:civil_affairs")
        page.locator("#id_items-0-frequency").select_option("monthly")
        page.locator("#id_items-0-starts_on").fill("2026-03-01")
        page.locator("#id_items-0-responsible_name").fill("王主任")
        page.get_by_role("button", name="再添加一项帮扶措施").click()
        page.locator("#id_items-1-kind").select_option("service")
        page.locator("#id_items-1-support").select_option("counselling")
        page.locator("#id_items-1-provider").select_option("dept:womens_federation")
        page.locator("#id_items-1-frequency").select_option("monthly")
        page.locator("#id_items-1-starts_on").fill("2026-03-01")
        page.locator("#id_items-1-responsible_name").fill("李主席")
        page.get_by_role("button", name="保存计划").click()
        summary = page.locator("#hh-error-summary")
        summary.wait_for()
        assert "金额" in summary.inner_text()
        assert page.locator("#id_items-1-responsible_name").input_value() == "李主席"
        summary.get_by_role("link").first.click()
        assert page.evaluate("document.activeElement.id") == "id_items-0-amount"
        page.locator("#id_items-0-amount").fill("1651")
        page.get_by_role("button", name="保存计划").click()
        page.wait_for_url(f"{base_url}/cases/{plan.case_id}/plans/{plan.pk}/")
        assert "1,651.00 元" in page.locator("main").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    except Exception:
        save_failure_screenshots(page, base_url, "plan-editor")
        raise
    finally:
        context.close()
    assert plan.items.count() == 2
    assert console.csp_violations() == []
    assert console.script_errors() == []
