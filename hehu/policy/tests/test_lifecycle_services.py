"""The lifecycle services: draft → reviewed → approved (from a date) → retired."""

from __future__ import annotations

import datetime as dt

import pytest

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.audit.models import AuditEntry, Verb
from hehu.core.errors import ConcurrentEdit, PermissionRefused
from hehu.policy.models import ApprovedPolicyImmutable, PolicyVersion
from hehu.policy.services.lifecycle import (
    PolicyDateRefused,
    PolicyDraftInvalid,
    PolicyOutsideJurisdiction,
    PolicyOwnText,
    PolicyVersionExists,
    PolicyWrongStatus,
    drafts_awaiting,
    policy_approve,
    policy_draft_create,
    policy_draft_update,
    policy_retire,
    policy_return_to_draft,
    policy_review,
    version_diff,
    version_history,
    version_replaced,
)
from hehu.policy.services.policies import policy_effective
from hehu.policy.tests import test_lifecycle_support as support
from hehu.policy.tests.test_lifecycle_support import MALFORMED, national_text, override_text

# The shared people and the shipped policy (fixtures of test_lifecycle_support).
shipped = support.shipped
national_officer = support.national_officer
national_reviewer = support.national_reviewer
sichuan_officer = support.sichuan_officer
sichuan_reviewer = support.sichuan_reviewer
guangdong_officer = support.guangdong_officer

pytestmark = pytest.mark.django_db
SICHUAN_CHILD = "511502001001"
GUANGDONG_CHILD = "440106001001"


def _approved(author, reviewer, source, effective_from, file_name="draft.yaml"):
    draft = policy_draft_create(actor=author, source=source, file_name=file_name)
    policy_review(actor=reviewer, version=draft, comment="读过")
    return policy_approve(actor=reviewer, version=draft, effective_from=effective_from)


# -- drafting -----------------------------------------------------------------------------------
def test_it_stores_a_national_draft_with_its_author(national_officer):
    draft = policy_draft_create(actor=national_officer, source=national_text(), file_name="n.yaml")
    assert draft.ref == "cn-national@2027.1"
    assert draft.status == PolicyVersion.Status.DRAFT
    assert draft.created_by == national_officer
    assert draft.effective_from == dt.date(2027, 1, 1)
    entry = AuditEntry.objects.get(verb=Verb.POLICY_DRAFTED)
    assert (entry.actor, entry.object_id) == (national_officer, "cn-national@2027.1")


def test_it_syncs_the_shipped_policies_before_the_first_draft(sichuan_officer):
    assert not PolicyVersion.objects.exists()
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    assert draft.extends == "cn-national@2026.1"
    assert PolicyVersion.objects.get(policy_id="cn-national").status == "approved"


def test_it_rejects_a_malformed_draft_with_file_line_and_column_and_stores_nothing(
    shipped, sichuan_officer
):
    before = PolicyVersion.objects.count()
    with pytest.raises(PolicyDraftInvalid) as caught:
        policy_draft_create(actor=sichuan_officer, source=MALFORMED, file_name="cn-51.yaml")
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.column) == ("cn-51.yaml", 12, 48)
    assert "no_such_line" in problem.message_en
    assert caught.value.as_dict()["problems"][0]["line"] == 12
    assert PolicyVersion.objects.count() == before
    assert not AuditEntry.objects.filter(verb=Verb.POLICY_DRAFTED).exists()


def test_it_rejects_yaml_that_does_not_parse(shipped, national_officer):
    with pytest.raises(PolicyDraftInvalid) as caught:
        policy_draft_create(actor=national_officer, source="id: [unclosed\n", file_name="x.yaml")
    assert caught.value.problems[0].line is not None


def test_it_rejects_an_override_of_a_base_that_is_not_approved(shipped, sichuan_officer):
    text = override_text().replace("cn-national@2026.1", "cn-national@2099.1")
    with pytest.raises(PolicyDraftInvalid) as caught:
        policy_draft_create(actor=sichuan_officer, source=text)
    [problem] = caught.value.problems
    assert problem.code == "unknown_base"
    assert problem.line == 5


def test_it_refuses_a_duplicate_version_and_never_replaces_an_approved_one(
    shipped, national_officer
):
    with pytest.raises(PolicyVersionExists):
        policy_draft_create(actor=national_officer, source=national_text("2026.1", "2016-06-13"))
    policy_draft_create(actor=national_officer, source=national_text())
    with pytest.raises(PolicyVersionExists):
        policy_draft_create(actor=national_officer, source=national_text())
    assert PolicyVersion.objects.filter(policy_id="cn-national").count() == 2


def test_a_province_cannot_draft_a_national_policy(shipped, sichuan_officer):
    with pytest.raises(PolicyOutsideJurisdiction):
        policy_draft_create(actor=sichuan_officer, source=national_text())
    assert not PolicyVersion.objects.filter(version="2027.1").exists()


def test_a_sichuan_officer_cannot_draft_a_guangdong_override(shipped, sichuan_officer):
    with pytest.raises(PolicyOutsideJurisdiction):
        policy_draft_create(actor=sichuan_officer, source=override_text("44"))
    assert not PolicyVersion.objects.filter(policy_id="cn-44").exists()


def test_a_national_officer_may_draft_a_provincial_override(shipped, national_officer):
    assert (
        policy_draft_create(actor=national_officer, source=override_text("44")).jurisdiction == "44"
    )


def test_a_province_cannot_publish_under_another_jurisdictions_id(shipped, sichuan_officer):
    text = (
        override_text().replace("id: cn-51", "id: cn-national").replace('"2026.1"', '"2030.1"', 1)
    )
    with pytest.raises(PolicyOutsideJurisdiction):
        policy_draft_create(actor=sichuan_officer, source=text)


def test_a_role_without_draft_policy_cannot_draft(shipped):
    city = make_user(Role.CITY_ANALYST, "5115", username="city")
    with pytest.raises(PermissionRefused):
        policy_draft_create(actor=city, source=override_text())


# -- editing a draft ----------------------------------------------------------------------------
def test_it_updates_a_draft_when_nobody_else_saved_in_between(shipped, sichuan_officer):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    updated = policy_draft_update(
        actor=sichuan_officer,
        version=draft,
        source=override_text(dibao="800.0"),
        expected_sha=draft.sha256,
    )
    assert "800.0" in updated.source
    assert updated.sha256 != draft.sha256


def test_it_refuses_a_concurrent_edit_and_keeps_the_first(
    shipped, sichuan_officer, sichuan_reviewer
):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    opened_sha = draft.sha256
    policy_draft_update(
        actor=sichuan_reviewer,
        version=draft,
        source=override_text(dibao="800.0"),
        expected_sha=opened_sha,
    )
    with pytest.raises(ConcurrentEdit):
        policy_draft_update(
            actor=sichuan_officer,
            version=draft,
            source=override_text(dibao="900.0"),
            expected_sha=opened_sha,
        )
    draft.refresh_from_db()
    assert "800.0" in draft.source


def test_it_refuses_an_edit_that_does_not_load_and_keeps_the_text(shipped, sichuan_officer):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    broken = override_text().replace("value: 760.0", "value: [unclosed")
    with pytest.raises(PolicyDraftInvalid):
        policy_draft_update(
            actor=sichuan_officer, version=draft, source=broken, expected_sha=draft.sha256
        )
    assert PolicyVersion.objects.get(pk=draft.pk).source == override_text()


def test_it_refuses_to_change_a_drafts_id_or_version(shipped, sichuan_officer):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    with pytest.raises(PolicyDraftInvalid):
        policy_draft_update(
            actor=sichuan_officer,
            version=draft,
            source=override_text(version="2026.9"),
            expected_sha=draft.sha256,
        )


def test_an_approved_version_is_immutable(shipped, sichuan_officer, sichuan_reviewer):
    approved = _approved(sichuan_officer, sichuan_reviewer, override_text(), dt.date(2026, 1, 1))
    with pytest.raises(ApprovedPolicyImmutable):
        policy_draft_update(
            actor=sichuan_officer,
            version=approved,
            source=override_text(dibao="1.0"),
            expected_sha=approved.sha256,
        )
    approved.source = override_text(dibao="1.0")
    with pytest.raises(ApprovedPolicyImmutable):
        approved.save()
    assert "760.0" in PolicyVersion.objects.get(pk=approved.pk).source


# -- review and approval ------------------------------------------------------------------------
def test_it_reviews_then_approves_with_who_and_when(shipped, sichuan_officer, sichuan_reviewer):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    reviewed = policy_review(actor=sichuan_reviewer, version=draft, comment="参数已核对")
    assert reviewed.status == "reviewed"
    assert reviewed.reviewed_by == sichuan_reviewer
    assert reviewed.reviewed_at is not None
    approved = policy_approve(
        actor=sichuan_reviewer, version=draft, effective_from=dt.date(2026, 3, 1), comment="同意"
    )
    assert approved.status == "approved"
    assert approved.approved_by == sichuan_reviewer
    assert approved.effective_from == dt.date(2026, 3, 1)
    verbs = [(e.verb, e.actor, e.reason) for e in version_history(approved)]
    assert verbs == [
        (Verb.POLICY_DRAFTED, sichuan_officer, ""),
        (Verb.POLICY_REVIEWED, sichuan_reviewer, "参数已核对"),
        (Verb.POLICY_APPROVED, sichuan_reviewer, "同意"),
    ]


def test_the_author_cannot_review_their_own_draft(shipped, sichuan_officer):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    with pytest.raises(PolicyOwnText):
        policy_review(actor=sichuan_officer, version=draft)
    assert PolicyVersion.objects.get(pk=draft.pk).status == "draft"


def test_whoever_edited_the_draft_cannot_review_it(shipped, sichuan_officer, sichuan_reviewer):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    policy_draft_update(
        actor=sichuan_reviewer,
        version=draft,
        source=override_text(dibao="800.0"),
        expected_sha=draft.sha256,
    )
    with pytest.raises(PolicyOwnText):
        policy_review(actor=sichuan_reviewer, version=draft)


def test_the_author_cannot_approve_their_own_text(
    shipped, sichuan_officer, sichuan_reviewer, national_officer
):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    policy_review(actor=sichuan_reviewer, version=draft)
    with pytest.raises(PolicyOwnText):
        policy_approve(actor=sichuan_officer, version=draft, effective_from=dt.date(2026, 1, 1))
    # A national officer may approve a province's override.
    policy_approve(actor=national_officer, version=draft, effective_from=dt.date(2026, 1, 1))


def test_it_refuses_to_approve_a_draft_not_yet_reviewed(shipped, sichuan_officer, sichuan_reviewer):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    with pytest.raises(PolicyWrongStatus):
        policy_approve(actor=sichuan_reviewer, version=draft, effective_from=dt.date(2026, 1, 1))


def test_it_refuses_to_review_twice_or_review_an_approved_version(
    shipped, sichuan_officer, sichuan_reviewer, national_officer
):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    policy_review(actor=sichuan_reviewer, version=draft)
    with pytest.raises(PolicyWrongStatus):
        policy_review(actor=national_officer, version=draft)


def test_outside_the_jurisdiction_nobody_reviews_or_approves(
    shipped, sichuan_officer, sichuan_reviewer, guangdong_officer
):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    with pytest.raises(PolicyOutsideJurisdiction):
        policy_review(actor=guangdong_officer, version=draft)
    policy_review(actor=sichuan_reviewer, version=draft)
    with pytest.raises(PolicyOutsideJurisdiction):
        policy_approve(actor=guangdong_officer, version=draft, effective_from=dt.date(2026, 1, 1))
    assert PolicyVersion.objects.get(pk=draft.pk).status == "reviewed"


def test_a_province_cannot_review_a_national_draft(shipped, national_officer, sichuan_officer):
    draft = policy_draft_create(actor=national_officer, source=national_text())
    with pytest.raises(PolicyOutsideJurisdiction):
        policy_review(actor=sichuan_officer, version=draft)


def test_a_role_without_approve_policy_cannot_approve(shipped, sichuan_officer, sichuan_reviewer):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    policy_review(actor=sichuan_reviewer, version=draft)
    county = make_user(Role.COUNTY_CIVIL_AFFAIRS, "51", username="county51")
    with pytest.raises(PermissionRefused):
        policy_approve(actor=county, version=draft, effective_from=dt.date(2026, 1, 1))


def test_it_refuses_an_effective_date_before_the_policys_own(
    shipped, sichuan_officer, sichuan_reviewer
):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    policy_review(actor=sichuan_reviewer, version=draft)
    with pytest.raises(PolicyDateRefused):
        policy_approve(actor=sichuan_reviewer, version=draft, effective_from=dt.date(2025, 12, 31))
    assert PolicyVersion.objects.get(pk=draft.pk).status == "reviewed"


def test_it_returns_a_reviewed_draft_to_its_author_with_a_reason(
    shipped, sichuan_officer, sichuan_reviewer
):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    policy_review(actor=sichuan_reviewer, version=draft)
    returned = policy_return_to_draft(actor=sichuan_reviewer, version=draft, reason="低保标准有误")
    assert (returned.status, returned.reviewed_by) == ("draft", None)
    last = list(version_history(returned))[-1]
    assert (last.reason, last.changes["returned_from"]) == ("低保标准有误", "reviewed")
    with pytest.raises(PolicyWrongStatus):
        policy_approve(actor=sichuan_reviewer, version=draft, effective_from=dt.date(2026, 1, 1))


def test_a_return_needs_a_reason(shipped, sichuan_officer, sichuan_reviewer):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    with pytest.raises(Exception, match="理由"):
        policy_return_to_draft(actor=sichuan_reviewer, version=draft, reason="  ")


# -- in force on its date -------------------------------------------------------------------------
def test_an_approved_new_version_takes_over_on_its_date_and_not_before(
    shipped, national_officer, national_reviewer
):
    _approved(national_officer, national_reviewer, national_text(), dt.date(2027, 1, 1))
    before = policy_effective(region_code=SICHUAN_CHILD, on=dt.date(2026, 12, 31))
    after = policy_effective(region_code=SICHUAN_CHILD, on=dt.date(2027, 1, 1))
    assert before.version.ref == "cn-national@2026.1"
    assert after.version.ref == "cn-national@2027.1"


def test_a_provincial_override_applies_to_its_province_only(
    shipped, sichuan_officer, sichuan_reviewer
):
    _approved(sichuan_officer, sichuan_reviewer, override_text(), dt.date(2026, 1, 1))
    on = dt.date(2026, 2, 1)
    assert policy_effective(region_code=SICHUAN_CHILD, on=on).version.ref == "cn-51@2026.1"
    assert policy_effective(region_code=GUANGDONG_CHILD, on=on).version.ref == (
        "cn-national@2026.1"
    )


def test_a_draft_is_never_in_force(shipped, sichuan_officer, sichuan_reviewer):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    policy_review(actor=sichuan_reviewer, version=draft)
    effective = policy_effective(region_code=SICHUAN_CHILD, on=dt.date(2026, 6, 1))
    assert effective.version.ref == "cn-national@2026.1"


def test_an_approval_dated_after_the_texts_date_applies_from_the_approval_date(
    shipped, national_officer, national_reviewer
):
    _approved(national_officer, national_reviewer, national_text(), dt.date(2027, 3, 1))
    effective = policy_effective(region_code=SICHUAN_CHILD, on=dt.date(2027, 2, 1))
    assert effective.version.ref == "cn-national@2026.1"


# -- retirement ---------------------------------------------------------------------------------
def test_it_retires_an_approved_override_keeping_its_text(
    shipped, sichuan_officer, sichuan_reviewer
):
    approved = _approved(sichuan_officer, sichuan_reviewer, override_text(), dt.date(2026, 1, 1))
    retired = policy_retire(
        actor=sichuan_reviewer, version=approved, effective_to=dt.date(2026, 6, 30), comment="废止"
    )
    assert (retired.status, retired.effective_to) == ("retired", dt.date(2026, 6, 30))
    assert retired.source == override_text()
    entry = AuditEntry.objects.get(verb=Verb.POLICY_RETIRED)
    assert (entry.actor, entry.reason) == (sichuan_reviewer, "废止")
    after = policy_effective(region_code=SICHUAN_CHILD, on=dt.date(2026, 7, 1))
    assert after.version.ref == "cn-national@2026.1"


def test_it_refuses_to_retire_a_draft_or_outside_the_jurisdiction(
    shipped, sichuan_officer, sichuan_reviewer, guangdong_officer
):
    draft = policy_draft_create(actor=sichuan_officer, source=override_text())
    with pytest.raises(PolicyWrongStatus):
        policy_retire(actor=sichuan_reviewer, version=draft, effective_to=dt.date(2026, 6, 30))
    policy_review(actor=sichuan_reviewer, version=draft)
    policy_approve(actor=sichuan_reviewer, version=draft, effective_from=dt.date(2026, 1, 1))
    with pytest.raises(PolicyOutsideJurisdiction):
        policy_retire(actor=guangdong_officer, version=draft, effective_to=dt.date(2026, 6, 30))


def test_it_never_leaves_the_country_without_a_national_policy(shipped, national_officer):
    current = PolicyVersion.objects.get(policy_id="cn-national", version="2026.1")
    with pytest.raises(PolicyDateRefused):
        policy_retire(actor=national_officer, version=current, effective_to=dt.date(2026, 12, 31))
    assert PolicyVersion.objects.get(pk=current.pk).status == "approved"


def test_it_retires_the_old_national_version_once_its_successor_is_approved(
    shipped, national_officer, national_reviewer
):
    _approved(national_officer, national_reviewer, national_text(), dt.date(2027, 1, 1))
    current = PolicyVersion.objects.get(policy_id="cn-national", version="2026.1")
    retired = policy_retire(
        actor=national_officer, version=current, effective_to=dt.date(2026, 12, 31)
    )
    assert retired.status == "retired"


# -- reads --------------------------------------------------------------------------------------
def test_the_drafts_awaiting_are_those_of_ones_jurisdiction(
    shipped, national_officer, sichuan_officer, guangdong_officer
):
    sichuan = policy_draft_create(actor=sichuan_officer, source=override_text())
    guangdong = policy_draft_create(actor=guangdong_officer, source=override_text("44"))
    national = policy_draft_create(actor=national_officer, source=national_text())
    assert list(drafts_awaiting(user=sichuan_officer)) == [sichuan]
    assert list(drafts_awaiting(user=guangdong_officer)) == [guangdong]
    assert set(drafts_awaiting(user=national_officer)) == {sichuan, guangdong, national}


def test_the_diff_is_against_the_version_replaced_or_the_base(
    shipped, national_officer, sichuan_officer
):
    national = policy_draft_create(actor=national_officer, source=national_text())
    replaced = version_replaced(national)
    assert replaced is not None
    assert replaced.ref == "cn-national@2026.1"
    diff = version_diff(replaced, national)
    assert '-version: "2026.1"' in diff
    assert '+version: "2027.1"' in diff
    override = policy_draft_create(actor=sichuan_officer, source=override_text())
    assert version_replaced(override) == replaced  # a first override: its base


def test_a_retired_override_still_applies_until_its_last_day(
    shipped, sichuan_officer, sichuan_reviewer
):
    approved = _approved(sichuan_officer, sichuan_reviewer, override_text(), dt.date(2026, 1, 1))
    policy_retire(actor=sichuan_reviewer, version=approved, effective_to=dt.date(2026, 6, 30))
    effective = policy_effective(region_code=SICHUAN_CHILD, on=dt.date(2026, 6, 30))
    assert effective.version.ref == "cn-51@2026.1"


NOT_COMPILABLE = """hehu_policy: 1
id: cn-51
version: "2026.3"
jurisdiction: "51"
extends: cn-national@2026.1
effective_from: 2026-01-01
effective_to: null
title: {zh: 四川, en: Sichuan}
predicates:
  concern_about_a_parent:
    label: {zh: 对父母的关切, en: a concern about a parent}
    when: parents.exists(p, protection_concerns.exists(c, p.role == "father" && c.substantiated))
categories:
  - code: parent_concern
    name: {zh: 父母关切, en: parent concern}
    clauses: [concern_about_a_parent]
"""


def test_it_rejects_a_draft_that_loads_but_cannot_run_over_a_population(shipped, sichuan_officer):
    before = PolicyVersion.objects.count()
    with pytest.raises(PolicyDraftInvalid) as caught:
        policy_draft_create(actor=sichuan_officer, source=NOT_COMPILABLE, file_name="cn-51.yaml")
    [problem] = caught.value.problems
    assert problem.code == "not_compilable"
    assert problem.line == 12
    assert PolicyVersion.objects.count() == before
