"""Case records and referrals: who may write them, their limits, and what a referral lets a
social worker see."""

from __future__ import annotations

import pytest

from hehu.audit.models import AuditEntry, Verb
from hehu.cases.errors import CaseClosed
from hehu.cases.models import CaseNote, CaseReferral
from hehu.cases.selectors import cases_visible_to
from hehu.cases.services.case_actions import case_close_by_person
from hehu.cases.services.notes import (
    NOTE_MAX,
    ReferralAlreadyActive,
    ReferralEnded,
    case_note_add,
    case_refer,
    case_referral_end,
    organisations_for_case,
)
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
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.regions.tests.factories import region

pytestmark = pytest.mark.django_db


def test_it_adds_a_case_record_and_audits_it_without_its_text() -> None:
    case = make_case()
    actor = director()

    note = case_note_add(actor=actor, case=case, text="  入户：祖母身体不好，儿童按时上学。 ")

    assert note.text == "入户：祖母身体不好，儿童按时上学。"
    assert note.author == actor
    entry = AuditEntry.objects.get(verb=Verb.CASE_NOTE_ADDED)
    assert entry.object_id == str(case.pk)
    assert "祖母" not in str(entry.changes) + entry.reason


@pytest.mark.parametrize("text", ["", "   ", "字" * (NOTE_MAX + 1)])
def test_it_refuses_an_empty_or_too_long_record(text: str) -> None:
    case = make_case()

    with pytest.raises(ValidationFailed) as refused:
        case_note_add(actor=director(), case=case, text=text)

    assert "text" in refused.value.errors
    assert not CaseNote.objects.exists()


def test_a_record_of_exactly_the_limit_is_kept() -> None:
    note = case_note_add(actor=director(), case=make_case(), text="字" * NOTE_MAX)
    assert len(note.text) == NOTE_MAX


def test_it_refuses_a_record_on_a_closed_case() -> None:
    case = make_case()
    case = case_close_by_person(
        actor=director(), case=case, reason="moved_out", expected_version=None
    )

    with pytest.raises(CaseClosed):
        case_note_add(actor=director(), case=case, text="补记")


def test_a_department_officer_writes_no_records() -> None:
    with pytest.raises(PermissionRefused):
        case_note_add(actor=department_officer(), case=make_case(), text="学校反映")
    assert not CaseNote.objects.exists()


def test_a_director_elsewhere_writes_no_records() -> None:
    with pytest.raises(PermissionRefused):
        case_note_add(actor=director(OTHER_COUNTY_VILLAGE), case=make_case(), text="x")


def test_a_referral_lets_the_organisations_social_workers_see_the_case_and_write() -> None:
    case = make_case()
    org = make_organisation()
    worker = social_worker(org)
    assert not cases_visible_to(user=worker).exists()
    with pytest.raises(PermissionRefused):
        case_note_add(actor=worker, case=case, text="首次服务")

    referral = case_refer(actor=supervisor(), case=case, organisation=org, note="需要心理支持")

    assert referral.status == CaseReferral.Status.ACTIVE
    assert list(cases_visible_to(user=worker)) == [case]
    assert case_note_add(actor=worker, case=case, text="首次服务：建立关系").author == worker
    entry = AuditEntry.objects.get(verb=Verb.CASE_REFERRED)
    assert entry.changes == {"organisation": org.pk, "referral": referral.pk}


def test_it_refuses_a_second_active_referral_to_the_same_organisation() -> None:
    case = make_case()
    org = make_organisation()
    case_refer(actor=county_officer(), case=case, organisation=org)

    with pytest.raises(ReferralAlreadyActive) as refused:
        case_refer(actor=county_officer(), case=case, organisation=org)

    assert refused.value.field == "organisation"
    assert CaseReferral.objects.count() == 1


def test_ending_a_referral_hides_the_case_from_the_social_workers() -> None:
    case = make_case()
    org = make_organisation()
    worker = social_worker(org)
    referral = case_refer(actor=supervisor(), case=case, organisation=org)

    ended = case_referral_end(actor=supervisor(), referral=referral, note="服务完成")

    assert ended.status == CaseReferral.Status.ENDED
    assert ended.ended_at is not None
    assert not cases_visible_to(user=worker).exists()
    with pytest.raises(ReferralEnded):
        case_referral_end(actor=supervisor(), referral=referral)
    # Once ended, the case may be referred to the organisation again.
    assert case_refer(actor=supervisor(), case=case, organisation=org).pk != referral.pk


@pytest.mark.parametrize("make_actor", [director, department_officer, social_worker])
def test_roles_without_the_permission_do_not_refer(make_actor) -> None:
    case = make_case()
    with pytest.raises(PermissionRefused):
        case_refer(actor=make_actor(), case=case, organisation=make_organisation())
    assert not CaseReferral.objects.exists()


def test_it_refers_only_to_organisations_of_the_county_or_above() -> None:
    case = make_case()
    near = make_organisation()
    city = make_organisation("宜宾市儿童服务中心")
    city.region = region("511500000000")
    city.save()
    far = make_organisation("长宁县社工站")
    far.region = region(OTHER_COUNTY_VILLAGE[:6].ljust(12, "0"))
    far.save()

    assert set(organisations_for_case(case)) == {near, city}
    with pytest.raises(ValidationFailed) as refused:
        case_refer(actor=supervisor(), case=case, organisation=far)
    assert "organisation" in refused.value.errors


def test_it_refuses_to_refer_a_closed_case() -> None:
    case = case_close_by_person(
        actor=director(), case=make_case(), reason="moved_out", expected_version=None
    )
    with pytest.raises(CaseClosed):
        case_refer(actor=supervisor(), case=case, organisation=make_organisation())
