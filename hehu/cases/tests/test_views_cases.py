"""The case pages: the list, 开案 from a child's file, the case with its next steps, clocks and
history, and the forms that act on it; refusals shown at the top with nothing lost."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import AuditEntry, Verb
from hehu.cases.models import Case, CaseNote, CaseReferral
from hehu.cases.services.case_actions import case_close_by_person
from hehu.cases.services.notes import case_note_add, case_refer
from hehu.cases.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    county_officer,
    department_officer,
    director,
    make_case,
    make_child,
    make_organisation,
    social_worker,
    supervisor,
)
from hehu.core.tests.browser import (  # noqa: F401
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    Console,
    _orm_beside_playwright,
    browser,
    sign_in,
)

pytestmark = pytest.mark.django_db
S = Case.Status


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# -- the list ---------------------------------------------------------------------------------


@time_machine.travel(dt.datetime(2026, 9, 25, 9, tzinfo=dt.UTC), tick=False)
def test_the_list_shows_each_case_with_status_risk_next_visit_and_opening_date() -> None:
    case = make_case(make_child(name="王小花"), emergency=True)

    page = _signed_in(director()).get("/cases/").content.decode()

    assert "王小花" in page
    assert f"/cases/{case.pk}/" in page
    assert "接案" in page  # the status as text
    assert "高风险" in page
    assert "紧急" in page
    assert "2026年9月28日" in page  # the next visit
    assert "2026年9月25日" in page  # opened
    assert "入户发现需要帮扶" not in page  # never the reason in a list


def test_the_list_filters_by_status_risk_emergency_and_village() -> None:
    calm = make_case(make_child(name="张三"))
    urgent = make_case(make_child(name="李四"), emergency=True)
    client = _signed_in(county_officer())

    assert "李四" in client.get("/cases/?emergency=yes").content.decode()
    assert "张三" not in client.get("/cases/?emergency=yes").content.decode()
    assert "张三" in client.get("/cases/?risk=normal").content.decode()
    assert "李四" not in client.get("/cases/?risk=normal").content.decode()
    assert "张三" not in client.get("/cases/?status=closed").content.decode()
    assert "张三" in client.get("/cases/?status=open&region=511502001").content.decode()
    assert "张三" not in client.get("/cases/?region=511502002").content.decode()
    assert calm.pk != urgent.pk
    bad = client.get("/cases/?region=abc")
    assert "区划代码只能是最多 12 位数字" in bad.content.decode()


def test_the_list_is_paginated() -> None:
    for i in range(27):
        make_case(make_child(name=f"儿童{i}"))
    page = _signed_in(county_officer()).get("/cases/").content.decode()
    assert "第 1 / 2 页" in page
    assert "共 27 个个案" in page


def test_the_list_shows_nothing_out_of_reach() -> None:
    make_case(make_child(name="王小花"))
    page = _signed_in(director(OTHER_COUNTY_VILLAGE)).get("/cases/").content.decode()
    assert "王小花" not in page


@pytest.mark.parametrize(
    "make_actor",
    [lambda: make_user(Role.CITY_ANALYST, "5115"), lambda: make_user(Role.ADMIN, "")],
    ids=["city_analyst", "admin"],
)
def test_roles_without_cases_are_refused_the_list(make_actor) -> None:
    assert _signed_in(make_actor()).get("/cases/").status_code == 403


def test_a_social_worker_lists_only_the_cases_referred_to_them() -> None:
    org = make_organisation()
    referred = make_case(make_child(name="王小花"))
    make_case(make_child(name="张三"))
    case_refer(actor=supervisor(), case=referred, organisation=org)

    page = _signed_in(social_worker(org)).get("/cases/").content.decode()

    assert "王小花" in page
    assert "张三" not in page


# -- opening ----------------------------------------------------------------------------------


def test_a_director_opens_a_case_from_a_childs_file() -> None:
    child = make_child()
    client = _signed_in(director())
    assert "开案理由" in client.get(f"/children/{child.pk}/cases/open/").content.decode()

    response = client.post(
        f"/children/{child.pk}/cases/open/",
        {"source": "manual", "reason": "入户发现独自在家", "emergency": "on"},
    )

    case = Case.objects.get(child=child)
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.pk}/"
    assert case.emergency
    assert case.reason == "入户发现独自在家"


def test_an_opening_without_a_reason_is_shown_back_with_the_error_at_the_top() -> None:
    child = make_child()
    response = _signed_in(director()).post(
        f"/children/{child.pk}/cases/open/", {"source": "manual", "reason": "", "emergency": "on"}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "hh-error-summary" in page
    assert "请写明开案理由" in page
    assert "checked" in page  # the emergency box stays ticked
    assert not Case.objects.exists()


def test_the_opening_page_links_to_the_case_already_open() -> None:
    case = make_case()
    client = _signed_in(director())

    page = client.get(f"/children/{case.child_id}/cases/open/").content.decode()
    assert f"/cases/{case.pk}/" in page
    client.post(f"/children/{case.child_id}/cases/open/", {"source": "manual", "reason": "再开"})
    assert Case.objects.filter(child=case.child).count() == 1


def test_a_department_officer_opens_by_their_departments_referral() -> None:
    child = make_child()
    client = _signed_in(department_officer())

    page = client.get(f"/children/{child.pk}/cases/open/").content.decode()
    assert "教育部门转介" in page
    client.post(f"/children/{child.pk}/cases/open/", {"reason": "学校发现长期缺课"})

    case = Case.objects.get(child=child)
    assert case.source == Case.Source.REFERRAL
    assert case.referred_by_department == "education"


def test_a_child_out_of_reach_cannot_be_opened() -> None:
    child = make_child()
    client = _signed_in(director(OTHER_COUNTY_VILLAGE))
    assert client.get(f"/children/{child.pk}/cases/open/").status_code == 404
    assert client.post(f"/children/{child.pk}/cases/open/", {"reason": "x"}).status_code == 404
    assert not Case.objects.exists()


def test_a_social_worker_may_not_open_a_case() -> None:
    child = make_child()
    response = _signed_in(social_worker()).post(
        f"/children/{child.pk}/cases/open/", {"reason": "x", "source": "manual"}
    )
    assert response.status_code == 403
    assert not Case.objects.exists()


# -- one case ---------------------------------------------------------------------------------


@time_machine.travel(dt.datetime(2026, 9, 25, 9, tzinfo=dt.UTC), tick=False)
def test_the_case_page_shows_next_steps_clocks_and_history_and_is_audited() -> None:
    case = make_case()
    actor = director()

    page = _signed_in(actor).get(f"/cases/{case.pk}/").content.decode()

    assert "转到：评估" in page
    assert "转到：服务实施" not in page  # not an emergency
    assert "完成评估" in page
    assert "开案后 10 个工作日内完成评估" in page  # the rule with the deadline
    assert "还剩 10 个工作日" in page
    assert "截止 2026年10月" in page  # 10 working days, National Day week skipped
    assert "入户发现需要帮扶" in page  # the opening, in the history
    assert f"/cases/{case.pk}/plans/" in page
    assert AuditEntry.objects.filter(
        verb=Verb.CASE_VIEWED, object_id=str(case.pk), actor=actor
    ).exists()


def test_a_step_along_the_flow_from_the_page() -> None:
    case = make_case()
    client = _signed_in(director())

    response = client.post(
        f"/cases/{case.pk}/transition/",
        {"to_status": "assessment", "reason": "开始评估", "version": case.version},
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == S.ASSESSMENT


def test_a_step_on_an_old_version_is_refused_at_the_top_with_the_reason_kept() -> None:
    case = make_case()
    client = _signed_in(director())
    client.post(f"/cases/{case.pk}/transition/", {"to_status": "assessment", "version": 1})

    response = client.post(
        f"/cases/{case.pk}/transition/",
        {"to_status": "planning", "reason": "我写的说明", "version": 1},
    )

    page = response.content.decode()
    assert response.status_code == 409
    assert "hh-error-summary" in page
    assert "已被其他人修改" in page
    assert "我写的说明" in page
    case.refresh_from_db()
    assert case.status == S.ASSESSMENT


def test_a_move_the_flow_does_not_allow_is_refused_at_the_top() -> None:
    case = make_case()
    response = _signed_in(director()).post(
        f"/cases/{case.pk}/transition/", {"to_status": "evaluation", "version": case.version}
    )
    assert response.status_code == 409
    assert "可以转到" in response.content.decode()


def test_closing_from_the_page_needs_a_note_for_other() -> None:
    case = make_case()
    client = _signed_in(director())

    refused = client.post(
        f"/cases/{case.pk}/close/", {"reason": "other", "note": "", "version": case.version}
    )
    assert refused.status_code == 400
    assert "须写明说明" in refused.content.decode()
    case.refresh_from_db()
    assert case.status == S.INTAKE

    client.post(
        f"/cases/{case.pk}/close/",
        {"reason": "other", "note": "随父母出国", "version": case.version},
    )
    case.refresh_from_db()
    assert case.status == S.CLOSED
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "重新开案" in page
    assert "转到：" not in page


def test_reopening_from_the_page_opens_a_new_case() -> None:
    case = make_case()
    case_close_by_person(actor=director(), case=case, reason="moved_out", expected_version=None)

    response = _signed_in(director()).post(f"/cases/{case.pk}/reopen/", {"reason": "又回来了"})

    new = Case.objects.exclude(pk=case.pk).get()
    assert response["Location"] == f"/cases/{new.pk}/"
    assert new.reopened_from_id == case.pk


def test_a_note_is_added_and_listed() -> None:
    case = make_case()
    client = _signed_in(director())

    client.post(f"/cases/{case.pk}/notes/", {"text": "祖母住院，暂由姑姑照料"})

    assert CaseNote.objects.get(case=case).text == "祖母住院，暂由姑姑照料"
    assert "祖母住院" in client.get(f"/cases/{case.pk}/").content.decode()


def test_an_empty_note_is_refused_at_the_top() -> None:
    case = make_case()
    response = _signed_in(director()).post(f"/cases/{case.pk}/notes/", {"text": ""})
    assert response.status_code == 400
    assert 'href="#note-text"' in response.content.decode()


def test_a_department_officer_sees_the_case_without_its_records() -> None:
    case = make_case()
    case_note_add(actor=director(), case=case, text="敏感的记录")
    client = _signed_in(department_officer())

    page = client.get(f"/cases/{case.pk}/").content.decode()

    assert "敏感的记录" not in page
    assert "个案记录" not in page
    assert "转到：" not in page
    assert client.post(f"/cases/{case.pk}/notes/", {"text": "x"}).status_code == 403
    assert (
        client.post(
            f"/cases/{case.pk}/transition/", {"to_status": "assessment", "version": 1}
        ).status_code
        == 403
    )


def test_a_referral_from_the_page_and_its_end() -> None:
    case = make_case()
    org = make_organisation()
    client = _signed_in(supervisor())

    client.post(f"/cases/{case.pk}/referrals/", {"organisation": org.pk, "note": "心理支持"})
    referral = CaseReferral.objects.get(case=case)
    assert referral.status == "active"
    again = client.post(f"/cases/{case.pk}/referrals/", {"organisation": org.pk})
    assert again.status_code == 409
    assert "服务尚未结束" in again.content.decode()

    client.post(f"/cases/{case.pk}/referrals/{referral.pk}/end/")
    referral.refresh_from_db()
    assert referral.status == "ended"


def test_a_social_worker_of_the_referral_reads_and_writes_records() -> None:
    case = make_case()
    org = make_organisation()
    case_refer(actor=supervisor(), case=case, organisation=org)
    client = _signed_in(social_worker(org))

    client.post(f"/cases/{case.pk}/notes/", {"text": "第一次服务"})

    assert "第一次服务" in client.get(f"/cases/{case.pk}/").content.decode()


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/cases/{pk}/", None),
        ("/cases/{pk}/transition/", {"to_status": "assessment", "version": 1}),
        ("/cases/{pk}/close/", {"reason": "moved_out", "version": 1}),
        ("/cases/{pk}/notes/", {"text": "x"}),
        ("/cases/{pk}/referrals/", {"organisation": 1}),
    ],
)
def test_a_hidden_case_is_missing_and_nothing_changes(url: str, data) -> None:
    case = make_case()
    elsewhere = _signed_in(director(OTHER_COUNTY_VILLAGE))

    path = url.format(pk=case.pk)
    response = elsewhere.get(path) if data is None else elsewhere.post(path, data)

    assert response.status_code == 404
    case.refresh_from_db()
    assert (case.status, case.version) == (S.INTAKE, 1)
    assert not CaseNote.objects.exists()
    assert not AuditEntry.objects.filter(verb=Verb.CASE_VIEWED).exists()


def test_a_missing_case_is_404() -> None:
    assert _signed_in(director()).get("/cases/999999/").status_code == 404


# -- on a phone -------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_director_on_a_phone_opens_an_emergency_case_and_moves_it_to_service(
    browser,  # noqa: F811
    live_server,
) -> None:
    child = make_child(name="李小芳")
    director(username="phone-director")
    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = phone.new_page()
    console = Console(page)
    try:
        sign_in(page, live_server.url, "phone-director")
        page.goto(f"{live_server.url}/children/{child.pk}/cases/open/")
        page.get_by_label("紧急", exact=False).check()
        page.get_by_role("button", name="开案").click()

        summary = page.locator("#hh-error-summary")
        summary.wait_for()
        assert "请写明开案理由" in summary.inner_text()
        assert page.get_by_label("紧急", exact=False).is_checked()  # nothing lost
        page.locator("#id_reason").fill("儿童独自在家，无人照料")
        page.get_by_role("button", name="开案").click()
        page.wait_for_url(f"{live_server.url}/cases/*/")

        assert "已开案" in page.locator("main").inner_text()
        page.get_by_role("button", name="转到：服务实施").click()
        page.wait_for_url(f"{live_server.url}/cases/*/")
        assert "服务实施" in page.locator("#hh-case-status").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert console.csp_violations() == []
        assert console.script_errors() == []
    finally:
        phone.close()


def test_a_case_opened_by_a_category_names_the_category_in_the_page_language(client) -> None:
    case = make_case(source=Case.Source.CATEGORY, source_category="orphan", reason="纳入孤儿")
    client.force_login(director())

    assert "（孤儿）" in client.get(f"/cases/{case.pk}/").content.decode()
