"""A village director on a phone records a home visit: from "my visits" to the
confirmation with the next due date. Real headless Chromium, the CSP in force."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Browser

from hehu.cases.clocks import months_deadline
from hehu.cases.models import Visit, WorkItem
from hehu.cases.tests.factories import make_case, make_child
from hehu.core.tests.browser import (  # noqa: F401
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    Console,
    _orm_beside_playwright,
    browser,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 500


def test_a_director_on_a_phone_records_a_visit(
    browser: Browser,  # noqa: F811
    live_server,
    village_director,
) -> None:
    base_url = live_server.url
    case = make_case(make_child(name="王小明"), actor=village_director)
    today = timezone.localdate()
    # The first visit is three days late: the list says so in words, not only in red.
    Visit.objects.filter(case=case).update(due_on=today - dt.timedelta(days=3))
    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = phone.new_page()
    console = Console(page)
    try:
        sign_in(page, base_url, village_director.username)
        page.goto(f"{base_url}/visits/")
        due = page.locator("#hh-due-visits")
        assert "已逾期 3 天" in due.inner_text()
        due.get_by_role("link", name="王小明", exact=True).click()
        page.wait_for_url(f"{base_url}/cases/{case.pk}/visits/record/")

        # The form fits the phone: nothing wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert page.locator("#id_visited_on").input_value() == today.isoformat()
        assert page.locator("#id_visited_on").get_attribute("type") == "date"

        # Not seen, and no reason given: refused, with the summary focused and the notes kept.
        page.locator("label[for=id_child_seen_1]").click()
        assert page.locator("#id_not_seen_reason").is_visible()
        page.locator("label[for=id_living_conditions_1]").click()
        page.locator("label[for=id_safety_0]").click()
        page.locator("label[for=id_schooling_0]").click()
        page.locator("label[for=id_health_0]").click()
        page.locator("#id_notes").fill("奶奶在家，孩子上学去了。")
        page.set_input_files(
            "#id_photos", files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": JPEG}]
        )
        page.get_by_role("button", name="提交走访记录").click()
        summary = page.locator("#hh-error-summary")
        summary.wait_for()
        assert "请写明原因" in summary.inner_text()
        assert "照片需要重新选择" in summary.inner_text()
        assert page.evaluate("document.activeElement.id") == "hh-error-summary"
        assert page.locator("#id_notes").input_value() == "奶奶在家，孩子上学去了。"
        assert page.locator("#id_safety_0").is_checked()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        # The director went back and saw the child: the reason is no longer asked.
        page.locator("label[for=id_child_seen_0]").click()
        assert not page.locator("#id_not_seen_reason").is_visible()
        page.set_input_files(
            "#id_photos", files=[{"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": JPEG}]
        )
        page.get_by_role("button", name="提交走访记录").click()
        page.wait_for_url(f"{base_url}/cases/{case.pk}/visits/*/")
        confirmation = page.locator("#hh-visit-recorded")
        assert "走访已记录" in confirmation.inner_text()
        next_due = months_deadline(today, 3).on  # moved off a rest day (CC art. 203)
        expected = f"应于 {next_due.year}年{next_due.month}月{next_due.day}日 前走访"
        assert expected in page.locator("#hh-next-visit").inner_text()
        assert "一般：每 3 个月走访一次" in page.locator("#hh-next-visit").inner_text()
        assert page.locator("#hh-visit-action").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "visit-last-page.png"), full_page=True)
        raise
    finally:
        phone.close()

    visit = Visit.objects.get(case=case, status=Visit.Status.DONE)
    assert (visit.visited_on, visit.child_seen, visit.recorded_by) == (
        today,
        True,
        village_director,
    )
    assert (visit.living_conditions, visit.safety) == ("fair", "safe")
    assert visit.notes == "奶奶在家，孩子上学去了。"
    assert visit.photos.count() == 1
    assert Visit.objects.get(case=case, status=Visit.Status.SCHEDULED).due_on == next_due
    assert WorkItem.objects.get(object_type="visit", object_id=visit.pk).status == "done"
    assert console.csp_violations() == []
    assert console.script_errors() == []
