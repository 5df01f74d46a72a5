from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser

from hehu.accounts.models import User
from hehu.audit.models import AuditEntry, Verb
from hehu.cases.models import Assessment, Case
from hehu.cases.services.assessments import assessment_save, assessment_start, assessment_submit
from hehu.cases.tests.factories import (
    OTHER_COUNTY_VILLAGE,
    county_officer,
    department_officer,
    director,
    make_case,
    make_organisation,
    social_worker,
    supervisor,
)
from hehu.cases.tests.test_services_assessments import best_answers
from hehu.core.tests.browser import (  # noqa: F401
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    Console,
    _orm_beside_playwright,
    browser,
    save_failure_screenshots,
    sign_in,
)

TODAY = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


@pytest.fixture
def _today() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=False):
        yield


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def detail_url(assessment: Assessment) -> str:
    return reverse(
        "cases:assessment_detail", kwargs={"case_id": assessment.case_id, "pk": assessment.pk}
    )


def form_data(answers: dict[str, str], version: int, action: str, **extra: str) -> dict[str, Any]:
    return {
        **{f"item-{code}": option for code, option in answers.items()},
        "version": version,
        "action": action,
        **extra,
    }


@pytest.mark.django_db
@pytest.mark.usefixtures("_today")
class TestAssessmentPages:
    def test_it_starts_an_assessment_from_the_list(self) -> None:
        actor = director()
        case = make_case(actor=actor)
        client = signed_in(actor)
        page = client.get(reverse("cases:assessments", kwargs={"case_id": case.pk}))
        assert page.status_code == 200
        assert "开始监护评估" in page.content.decode()
        start = reverse("cases:assessment_start", kwargs={"case_id": case.pk})
        confirm = client.get(f"{start}?kind=guardianship")
        assert "guardianship-cn@2026.1" in confirm.content.decode()
        assert not Assessment.objects.exists()  # a GET starts nothing
        response = client.post(start, {"kind": "guardianship"})
        assessment = Assessment.objects.get()
        assert response.status_code == 302
        assert response["Location"] == detail_url(assessment)
        # Starting again goes to the draft already there.
        again = client.post(start, {"kind": "guardianship"})
        assert again["Location"] == detail_url(assessment)
        assert Assessment.objects.count() == 1

    def test_the_form_shows_one_fieldset_per_indicator_with_radios(self) -> None:
        actor = director()
        assessment = assessment_start(actor=actor, case=make_case(actor=actor), kind="guardianship")
        html = signed_in(actor).get(detail_url(assessment)).content.decode()
        for part in ("儿童发展", "监护能力", "监护支持"):
            assert f"<legend>{part}</legend>" in html
        assert 'type="radio" name="item-cd_daily_care"' in html
        assert 'name="child_views"' in html
        assert 'name="version" value="1"' in html
        assert "保存" in html
        assert "提交" in html

    def test_saving_keeps_the_answers_and_the_version_moves_on(self) -> None:
        actor = director()
        assessment = assessment_start(actor=actor, case=make_case(actor=actor), kind="guardianship")
        client = signed_in(actor)
        response = client.post(
            detail_url(assessment),
            form_data({"cd_living": "partly"}, 1, "save", child_views="想和奶奶住"),
        )
        assert response.status_code == 302
        assessment.refresh_from_db()
        assert assessment.answers == {"cd_living": "partly"}
        assert assessment.version == 2
        html = client.get(detail_url(assessment)).content.decode()
        assert 'id="item-cd_living-partly" value="partly" checked' in html
        assert "想和奶奶住" in html

    def test_an_incomplete_submit_lists_each_missing_answer_and_loses_nothing(self) -> None:
        actor = director()
        assessment = assessment_start(actor=actor, case=make_case(actor=actor), kind="guardianship")
        answers = best_answers(assessment)
        del answers["cd_health"], answers["gs_school"]
        response = signed_in(actor).post(
            detail_url(assessment), form_data(answers, 1, "submit", child_views="")
        )
        assert response.status_code == 400
        html = response.content.decode()
        summary = html.split('id="hh-error-summary"')[1].split("</div>")[0]
        assert re.findall(r'href="#([^"]+)"', summary) == [
            "item-cd_health",
            "item-gs_school",
            "child_views",
        ]
        assert "请回答：身体健康与就医" in summary
        assert "请回答：学校关爱" in summary
        # Everything chosen is still ticked, and kept as a draft.
        assert 'id="item-cd_living-adequate" value="adequate" checked' in html
        assessment.refresh_from_db()
        assert assessment.status == "draft"
        assert len(assessment.answers) == 15
        assert f'name="version" value="{assessment.version}"' in html

    def test_a_concurrent_save_is_refused_with_the_typed_answers_kept(self) -> None:
        actor = director()
        assessment = assessment_start(actor=actor, case=make_case(actor=actor), kind="guardianship")
        assessment_save(
            actor=actor, assessment=assessment, answers={"cd_living": "partly"}, expected_version=1
        )
        response = signed_in(supervisor()).post(
            detail_url(assessment),
            form_data({"cd_living": "inadequate"}, 1, "save", child_views="别人写的"),
        )
        assert response.status_code == 409
        html = response.content.decode()
        assert "没有保存：这份评估已被他人修改" in html
        assert 'id="item-cd_living-inadequate" value="inadequate" checked' in html
        assert "别人写的" in html
        assessment.refresh_from_db()
        assert assessment.answers == {"cd_living": "partly"}
        assert assessment.child_views == ""

    def test_a_submitted_guardianship_assessment_shows_its_scores_and_grade(self) -> None:
        actor = director()
        assessment = assessment_start(actor=actor, case=make_case(actor=actor), kind="guardianship")
        answers = best_answers(assessment, cd_daily_care="nobody", cd_living="partly")
        response = signed_in(actor).post(
            detail_url(assessment), form_data(answers, 1, "submit", child_views="我不怕。")
        )
        assert response.status_code == 302
        html = signed_in(actor).get(detail_url(assessment)).content.decode()
        assert "监护等级：监护缺失" in html
        assert "儿童无人照料、独自生活" in html  # the red flag that forced it
        assert "基本有保障但有欠缺" in html, html[html.find("hh-scores") :][:3000]
        assert "5 / 10" in html  # the answer behind a score
        assert "我不怕。" in html
        assert 'type="radio"' not in html

    def test_a_submitted_needs_assessment_shows_the_needs(self) -> None:
        actor = director()
        case = make_case(actor=actor)
        assessment = assessment_start(actor=actor, case=case, kind="needs")
        saved = assessment_save(
            actor=actor,
            assessment=assessment,
            answers=best_answers(assessment, hm_condition="serious"),
            child_views="想看病",
            expected_version=1,
        )
        assessment_submit(actor=actor, assessment=saved, expected_version=2)
        html = signed_in(actor).get(detail_url(assessment)).content.decode()
        assert "医疗健康" in html
        assert "需求中" in html
        assert "资金" in html
        listing = signed_in(actor).get(reverse("cases:assessments", kwargs={"case_id": case.pk}))
        assert "医疗健康（需求中）" in listing.content.decode()
        case.refresh_from_db()
        assert case.status == Case.Status.PLANNING

    def test_every_view_is_audited(self) -> None:
        actor = director()
        assessment = assessment_start(actor=actor, case=make_case(actor=actor), kind="needs")
        client = signed_in(county_officer())
        client.get(reverse("cases:assessments", kwargs={"case_id": assessment.case_id}))
        client.get(detail_url(assessment))
        entries = AuditEntry.objects.filter(verb=Verb.ASSESSMENT_VIEWED).order_by("pk")
        assert [(e.object_type, e.object_id) for e in entries] == [
            ("case", str(assessment.case_id)),
            ("assessment", str(assessment.pk)),
        ]

    def test_roles_without_case_notes_get_403_and_hidden_cases_404(self) -> None:
        actor = director()
        assessment = assessment_start(actor=actor, case=make_case(actor=actor), kind="needs")
        urls = [
            reverse("cases:assessments", kwargs={"case_id": assessment.case_id}),
            detail_url(assessment),
            reverse("cases:assessment_start", kwargs={"case_id": assessment.case_id})
            + "?kind=needs",
        ]
        officer = signed_in(department_officer())
        stranger = signed_in(director(OTHER_COUNTY_VILLAGE))
        for url in urls:
            assert officer.get(url).status_code == 403
            assert stranger.get(url).status_code == 404
        response = stranger.post(urls[1], form_data({"bl_income": "not_enough"}, 1, "save"))
        assert response.status_code == 404
        assessment.refresh_from_db()
        assert assessment.answers == {}
        assert assessment.version == 1
        assert not AuditEntry.objects.filter(verb=Verb.ASSESSMENT_VIEWED).exists()

    def test_a_social_worker_of_a_referred_case_reads_but_does_not_edit(self) -> None:
        from hehu.cases.models import CaseReferral

        actor = director()
        case = make_case(actor=actor)
        assessment = assessment_start(actor=actor, case=case, kind="needs")
        organisation = make_organisation()
        CaseReferral.objects.create(
            case=case, organisation=organisation, referred_by=actor, referred_at=TODAY
        )
        worker = signed_in(social_worker(organisation))
        page = worker.get(detail_url(assessment))
        assert page.status_code == 200
        assert 'value="submit"' not in page.content.decode()
        assert worker.post(detail_url(assessment), form_data({}, 1, "save")).status_code == 403
        assert (
            worker.post(
                reverse("cases:assessment_start", kwargs={"case_id": case.pk}), {"kind": "needs"}
            ).status_code
            == 403
        )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_director_fills_in_a_guardianship_assessment_on_a_phone(
    browser: Browser,  # noqa: F811
    live_server: Any,
) -> None:
    actor = director()
    case = make_case(actor=actor)
    base_url = live_server.url
    phone = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = phone.new_page()
    console = Console(page)
    try:
        sign_in(page, base_url, actor.username)
        page.goto(f"{base_url}/cases/{case.pk}/assessments/")
        page.get_by_role("link", name="开始监护评估").click()
        page.get_by_role("button", name="开始评估").click()
        page.wait_for_url(re.compile(r".*/assessments/\d+/$"))
        # Answer the first question and save; then submit with the rest missing.
        page.get_by_label("父母或监护人亲自照料").check()
        page.get_by_label("儿童自己怎么说（尽量用儿童的原话）").fill("我想奶奶。")
        page.get_by_role("button", name="保存", exact=True).last.click()
        page.wait_for_load_state()
        assert "已保存" in page.locator("main").inner_text()
        page.get_by_role("button", name="提交", exact=True).click()
        page.wait_for_load_state()
        summary = page.locator("#hh-error-summary")
        assert summary.is_visible()
        assert summary.get_by_role("link").count() == 16
        assert page.evaluate("document.activeElement.id") == "hh-error-summary"
        summary.get_by_role("link", name="请回答：饮食、衣着和住宿").click()
        assert page.evaluate("document.activeElement.id") == "item-cd_living"
        assert page.get_by_label("父母或监护人亲自照料").is_checked()
        assert page.get_by_label("儿童自己怎么说（尽量用儿童的原话）").input_value() == "我想奶奶。"
        # Radios are large targets on a phone and nothing is wider than the screen.
        box = page.locator("label[for='item-cd_living-adequate']").bounding_box()
        assert box is not None
        assert box["height"] >= 24
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        for fieldset in page.locator("fieldset.hh-field").all():
            fieldset.locator("input[type=radio]").first.check()
        page.get_by_role("button", name="提交", exact=True).click()
        page.wait_for_load_state()
        text = page.locator("main").inner_text()
        assert "评估已提交" in text
        assert "监护等级：监护正常" in text
        assert console.csp_violations() == []
        assert console.script_errors() == []
    except Exception:
        save_failure_screenshots(page, base_url, "assessment")
        raise
    finally:
        phone.close()
    assert Assessment.objects.get().grade == "normal"
