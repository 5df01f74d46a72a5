"""The lifecycle pages: drafts awaiting, a new draft (pasted or uploaded), a version's page
with its history and diff, editing a draft, and the decisions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hehu.policy.models import PolicyVersion
from hehu.policy.services.lifecycle import policy_draft_create, policy_review
from hehu.policy.tests import test_lifecycle_support as support
from hehu.policy.tests.test_lifecycle_support import MALFORMED, national_text, override_text

pytestmark = pytest.mark.django_db

shipped = support.shipped
national_officer = support.national_officer
sichuan_officer = support.sichuan_officer
sichuan_reviewer = support.sichuan_reviewer
guangdong_officer = support.guangdong_officer

NEW = "/policies/drafts/new/"
PAGE = "/policies/cn-51/2026.1/lifecycle/"


def test_it_stores_a_pasted_draft_and_shows_its_page(client, shipped, sichuan_officer):
    client.force_login(sichuan_officer)
    response = client.post(NEW, {"source": override_text()})
    assert response.status_code == 302
    assert response["Location"] == PAGE
    html = client.get(PAGE).content.decode()
    assert "cn-51@2026.1" in html
    assert "草稿" in html
    assert "起草政策版本" in html  # the history
    assert "cn-national@2026.1 的差异" in html  # a first override is compared with its base


def test_it_stores_an_uploaded_file(client, shipped, sichuan_officer):
    client.force_login(sichuan_officer)
    upload = SimpleUploadedFile("cn-51.yaml", override_text().encode(), "application/yaml")
    response = client.post(NEW, {"source": "", "upload": upload})
    assert response.status_code == 302
    assert PolicyVersion.objects.get(policy_id="cn-51").source == override_text()


def test_a_malformed_draft_is_shown_back_with_each_problem_and_its_line(
    client, shipped, sichuan_officer
):
    client.force_login(sichuan_officer)
    upload = SimpleUploadedFile("cn-51.yaml", MALFORMED.encode(), "application/yaml")
    response = client.post(NEW, {"source": "", "upload": upload})
    assert response.status_code == 200
    html = response.content.decode()
    assert "cn-51.yaml:12:48" in html
    assert "未知的参数" in html
    assert "params.no_such_line" in html  # the offending line is shown
    assert "no_such_line</textarea>" in html.replace("\n", "")  # the text stays in the form
    assert not PolicyVersion.objects.filter(policy_id="cn-51").exists()


def test_the_problems_are_listed_in_english(client, shipped, sichuan_officer):
    client.force_login(sichuan_officer)
    client.cookies["django_language"] = "en"
    html = client.post(NEW, {"source": MALFORMED}).content.decode()
    assert "draft.yaml:12:48" in html
    assert "unknown parameter" in html


def test_a_refusal_outside_the_jurisdiction_keeps_the_text(client, shipped, sichuan_officer):
    client.force_login(sichuan_officer)
    response = client.post(NEW, {"source": override_text("44")})
    assert response.status_code == 200
    assert "只能由该省或国家级人员管理" in response.content.decode()
    assert not PolicyVersion.objects.filter(policy_id="cn-44").exists()


def test_the_new_draft_page_needs_draft_policy(client, village_director):
    client.force_login(village_director)
    assert client.get(NEW).status_code == 403
    assert client.get("/policies/drafts/").status_code == 403


def test_the_drafts_list_shows_the_jurisdictions_drafts_only(
    client, shipped, sichuan_officer, guangdong_officer
):
    policy_draft_create(actor=sichuan_officer, source=override_text())
    policy_draft_create(actor=guangdong_officer, source=override_text("44"))
    client.force_login(sichuan_officer)
    html = client.get("/policies/drafts/").content.decode()
    assert "cn-51@2026.1" in html
    assert "cn-44@2026.1" not in html


def test_a_draft_outside_the_jurisdiction_is_hidden_like_a_missing_one(
    client, shipped, sichuan_officer, guangdong_officer, village_director
):
    policy_draft_create(actor=sichuan_officer, source=override_text())
    for user in (guangdong_officer, village_director):
        client.force_login(user)
        assert client.get(PAGE).status_code == 404
        assert client.get("/policies/cn-99/1/lifecycle/").status_code == 404


def test_an_approved_version_is_readable_by_every_reader_of_policies(
    client, shipped, police_officer
):
    client.force_login(police_officer)
    html = client.get("/policies/cn-national/2026.1/lifecycle/").content.decode()
    assert "已批准" in html
    assert "批准</button>" not in html


def test_the_author_is_not_offered_the_review_but_a_colleague_is(
    client, shipped, sichuan_officer, sichuan_reviewer
):
    policy_draft_create(actor=sichuan_officer, source=override_text())
    client.force_login(sichuan_officer)
    response = client.post("/policies/cn-51/2026.1/review/", {"comment": "自审"})
    assert response.status_code == 302
    assert PolicyVersion.objects.get(policy_id="cn-51").status == "draft"
    assert "不能审核或批准自己" in client.get(PAGE).content.decode()
    client.force_login(sichuan_reviewer)
    client.post("/policies/cn-51/2026.1/review/", {"comment": "已核对"})
    assert PolicyVersion.objects.get(policy_id="cn-51").status == "reviewed"


def test_it_approves_then_retires_through_the_page(
    client, shipped, sichuan_officer, sichuan_reviewer
):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    policy_review(actor=sichuan_reviewer, version=draft)
    client.force_login(sichuan_reviewer)
    client.post(
        "/policies/cn-51/2026.1/approve/", {"effective_from": "2026-02-01", "comment": "同意"}
    )
    draft.refresh_from_db()
    assert (draft.status, draft.effective_from) == ("approved", dt.date(2026, 2, 1))
    client.post("/policies/cn-51/2026.1/retire/", {"effective_to": "2026-12-31"})
    draft.refresh_from_db()
    assert (draft.status, draft.effective_to) == ("retired", dt.date(2026, 12, 31))
    html = client.get(PAGE).content.decode()
    assert "批准政策版本" in html
    assert "停用政策版本" in html


def test_an_approval_without_a_date_is_refused_with_a_message(
    client, shipped, sichuan_officer, sichuan_reviewer
):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    policy_review(actor=sichuan_reviewer, version=draft)
    client.force_login(sichuan_reviewer)
    response = client.post("/policies/cn-51/2026.1/approve/", {"effective_from": ""}, follow=True)
    assert "请填写生效日期" in response.content.decode()
    assert PolicyVersion.objects.get(pk=draft.pk).status == "reviewed"


def test_it_returns_a_draft_with_a_reason(client, shipped, sichuan_officer, sichuan_reviewer):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    policy_review(actor=sichuan_reviewer, version=draft)
    client.force_login(sichuan_reviewer)
    client.post("/policies/cn-51/2026.1/return/", {"reason": "低保标准有误"})
    assert PolicyVersion.objects.get(pk=draft.pk).status == "draft"
    assert "低保标准有误" in client.get(PAGE).content.decode()


def test_a_concurrent_edit_is_refused_and_the_text_kept(
    client, shipped, sichuan_officer, sichuan_reviewer
):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    client.force_login(sichuan_officer)
    form = client.get("/policies/cn-51/2026.1/edit/").content.decode()
    assert draft.sha256 in form
    client.force_login(sichuan_reviewer)
    first = client.post(
        "/policies/cn-51/2026.1/edit/",
        {"source": override_text(dibao="800.0"), "expected_sha": draft.sha256},
    )
    assert first.status_code == 302
    client.force_login(sichuan_officer)
    second = client.post(
        "/policies/cn-51/2026.1/edit/",
        {"source": override_text(dibao="900.0"), "expected_sha": draft.sha256},
    )
    assert second.status_code == 200
    html = second.content.decode()
    assert "已被他人修改" in html
    assert "900.0" in html
    assert "800.0" in PolicyVersion.objects.get(pk=draft.pk).source


def test_the_diff_shows_what_a_new_national_version_changes(client, shipped, national_officer):
    policy_draft_create(actor=national_officer, source=national_text())
    client.force_login(national_officer)
    html = client.get("/policies/cn-national/2027.1/lifecycle/").content.decode()
    assert '<span class="hh-new">+version: &quot;2027.1&quot;</span>' in html
    assert '<span class="hh-old">-version: &quot;2026.1&quot;</span>' in html


def test_a_draft_links_to_its_simulation(client, shipped, sichuan_officer):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    client.force_login(sichuan_officer)
    html = client.get(PAGE).content.decode()
    assert f"/simulations/new/?draft={draft.pk}" in html


def test_the_policy_page_links_its_history_and_the_drafts(client, shipped, sichuan_officer):
    client.force_login(sichuan_officer)
    html = client.get("/policies/cn-national/2026.1/").content.decode()
    assert "/policies/cn-national/2026.1/lifecycle/" in html
    assert "/policies/drafts/" in html
