from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from hehu.audit.models import AuditEntry, Verb
from hehu.cases.errors import AssessmentIncomplete
from hehu.cases.models import Assessment, Case, Level, WorkItem
from hehu.cases.services.assessments import (
    AssessmentAlreadyStarted,
    AssessmentAnswerInvalid,
    AssessmentNotEditable,
    assessment_save,
    assessment_start,
    assessment_submit,
    instrument_of,
)
from hehu.cases.services.cases import case_close
from hehu.cases.tests.factories import (
    county_officer,
    department_officer,
    director,
    make_case,
    make_child,
    social_worker,
)
from hehu.core.errors import ConcurrentEdit, PermissionRefused
from hehu.policy.models import ChildClassification
from hehu.registry.facts import child_to_facts
from hehu.registry.models import Child

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)  # a Monday


def best_answers(assessment: Assessment, **changes: str) -> dict[str, str]:
    """Every item answered with its best option (highest guardianship score, least need)."""
    instrument = instrument_of(assessment)
    pick = max if instrument.kind == "guardianship" else min
    answers = {i.code: pick(i.options, key=lambda o: o.score).code for i in instrument.items()}
    return {**answers, **changes}


def filled(
    kind: str, *, case: Case | None = None, views: str = "我想和奶奶住。", **changes: str
) -> tuple[Assessment, Any]:
    actor = director()
    case = case or make_case(actor=actor)
    assessment = assessment_start(actor=actor, case=case, kind=kind)
    assessment = assessment_save(
        actor=actor,
        assessment=assessment,
        answers=best_answers(assessment, **changes),
        child_views=views,
        expected_version=assessment.version,
    )
    return assessment, actor


@time_machine.travel(TODAY, tick=False)
def test_it_starts_with_the_instrument_in_force_and_audits() -> None:
    actor = director()
    case = make_case(actor=actor)
    assessment = assessment_start(actor=actor, case=case, kind="guardianship")
    assert (assessment.instrument_id, assessment.instrument_version) == (
        "guardianship-cn",
        "2026.1",
    )
    assert assessment.status == "draft"
    assert assessment.assessor == actor
    entry = AuditEntry.objects.get(verb=Verb.ASSESSMENT_STARTED)
    assert entry.changes["instrument"] == "guardianship-cn@2026.1"


@time_machine.travel(TODAY, tick=False)
def test_it_keeps_one_draft_per_case_and_kind() -> None:
    actor = director()
    case = make_case(actor=actor)
    first = assessment_start(actor=actor, case=case, kind="needs")
    with pytest.raises(AssessmentAlreadyStarted) as caught:
        assessment_start(actor=actor, case=case, kind="needs")
    assert caught.value.extra["assessment_id"] == first.pk
    assessment_start(actor=actor, case=case, kind="guardianship")  # another kind is fine
    assert Assessment.objects.filter(case=case).count() == 2


@time_machine.travel(TODAY, tick=False)
def test_it_refuses_roles_without_casework_and_closed_cases() -> None:
    case = make_case()
    for actor in (department_officer(), social_worker()):
        with pytest.raises(PermissionRefused):
            assessment_start(actor=actor, case=case, kind="needs")
    with pytest.raises(PermissionRefused):
        assessment_start(actor=director("511524100201"), case=case, kind="needs")
    case_close(actor=director(), case=case, reason="moved_out")
    with pytest.raises(AssessmentNotEditable):
        assessment_start(actor=director(), case=case, kind="needs")
    assert not Assessment.objects.exists()


@time_machine.travel(TODAY, tick=False)
def test_it_saves_partial_answers_and_bumps_the_version() -> None:
    actor = director()
    assessment = assessment_start(actor=actor, case=make_case(actor=actor), kind="guardianship")
    saved = assessment_save(
        actor=actor,
        assessment=assessment,
        answers={"cd_daily_care": "parent"},
        expected_version=1,
    )
    assert saved.answers == {"cd_daily_care": "parent"}
    assert saved.version == 2
    saved = assessment_save(
        actor=actor,
        assessment=saved,
        answers={"cd_daily_care": None, "cd_living": "partly"},
        child_views="想上学",
        expected_version=2,
    )
    assert saved.answers == {"cd_living": "partly"}
    assert saved.child_views == "想上学"
    entry = AuditEntry.objects.filter(verb=Verb.ASSESSMENT_SAVED).latest("pk")
    assert entry.changes["answers"] == {
        "cd_daily_care": ["parent", None],
        "cd_living": [None, "partly"],
    }
    assert entry.changes["child_views"] == "changed"  # the child's words stay out of the log


@time_machine.travel(TODAY, tick=False)
def test_it_refuses_unknown_items_and_options_naming_each() -> None:
    actor = director()
    assessment = assessment_start(actor=actor, case=make_case(actor=actor), kind="guardianship")
    with pytest.raises(AssessmentAnswerInvalid) as caught:
        assessment_save(
            actor=actor,
            assessment=assessment,
            answers={"cd_living": "plenty", "shoe_size": "40", "cd_health": "good"},
            expected_version=1,
        )
    items = [(p["item"], p["option"]) for p in caught.value.extra["problems"]]
    assert items == [("cd_living", "plenty"), ("shoe_size", "40")]
    assert "plenty" in str(caught.value.message)
    assert "shoe_size" in str(caught.value.message)
    assessment.refresh_from_db()
    assert assessment.answers == {}
    assert assessment.version == 1


@time_machine.travel(TODAY, tick=False)
def test_a_concurrent_save_is_refused_and_the_first_save_is_kept() -> None:
    actor, other = director(), director()
    assessment = assessment_start(actor=actor, case=make_case(actor=actor), kind="guardianship")
    assessment_save(
        actor=actor, assessment=assessment, answers={"cd_living": "partly"}, expected_version=1
    )
    with pytest.raises(ConcurrentEdit) as caught:
        assessment_save(
            actor=other,
            assessment=assessment,
            answers={"cd_living": "adequate"},
            child_views="另一个人写的",
            expected_version=1,
        )
    assert "刷新" in str(caught.value.message)
    assessment.refresh_from_db()
    assert assessment.answers == {"cd_living": "partly"}
    assert assessment.child_views == ""
    assert assessment.version == 2


@time_machine.travel(TODAY, tick=False)
def test_an_incomplete_submit_names_every_missing_item_and_saves_nothing() -> None:
    actor = director()
    assessment = assessment_start(actor=actor, case=make_case(actor=actor), kind="guardianship")
    answers = best_answers(assessment)
    del answers["cd_health"], answers["gs_school"]
    assessment = assessment_save(
        actor=actor, assessment=assessment, answers=answers, expected_version=1
    )
    with pytest.raises(AssessmentIncomplete) as caught:
        assessment_submit(actor=actor, assessment=assessment, expected_version=2)
    missing = caught.value.extra["missing"]
    assert [m["item"] for m in missing] == ["cd_health", "gs_school", "child_views"]
    assert [m["label"] for m in missing][:2] == ["身体健康与就医", "学校关爱"]
    assert missing[0]["part"] == "child_development"
    for m in missing:
        assert m["label"] in str(caught.value.message)
    assessment.refresh_from_db()
    assert assessment.status == "draft"
    assert assessment.version == 2
    assert assessment.scores == {}
    assert not AuditEntry.objects.filter(verb=Verb.ASSESSMENT_SUBMITTED).exists()


@time_machine.travel(TODAY, tick=False)
def test_a_reason_may_stand_for_the_childs_views() -> None:
    actor = director()
    assessment = assessment_start(actor=actor, case=make_case(actor=actor), kind="needs")
    assessment = assessment_save(
        actor=actor,
        assessment=assessment,
        answers=best_answers(assessment),
        child_views_absent_reason="儿童未满一周岁，无法表达意见",
        expected_version=1,
    )
    done = assessment_submit(actor=actor, assessment=assessment, expected_version=2)
    assert done.status == "submitted"
    assert done.scores["child_views_absent_reason"] == "儿童未满一周岁，无法表达意见"


@time_machine.travel(TODAY, tick=False)
def test_a_submitted_assessment_is_final() -> None:
    assessment, actor = filled("guardianship")
    done = assessment_submit(actor=actor, assessment=assessment, expected_version=2)
    with pytest.raises(AssessmentNotEditable):
        assessment_save(
            actor=actor, assessment=done, answers={"cd_living": "partly"}, expected_version=3
        )
    with pytest.raises(AssessmentNotEditable):
        assessment_submit(actor=actor, assessment=done, expected_version=3)


@time_machine.travel(TODAY, tick=False)
def test_a_guardianship_grade_reaches_the_child_with_its_audit() -> None:
    assessment, actor = filled("guardianship", cd_living="partly")
    child = Child.objects.get(pk=assessment.case.child_id)
    version = child.version
    done = assessment_submit(actor=actor, assessment=assessment, expected_version=2)
    assert done.grade == "normal"
    assert done.scores["total"] == 97.5
    assert done.scores["parts"][0]["items"][1]["option"] == "partly"
    child.refresh_from_db()
    assert child.guardianship_grade == "normal"
    assert child.version == version + 1
    entry = AuditEntry.objects.get(verb=Verb.CHILD_UPDATED, child_id=child.pk)
    assert entry.changes == {"guardianship_grade": ["", "normal"]}
    assert not WorkItem.objects.filter(kind=WorkItem.Kind.GUARDIANSHIP_ABSENT).exists()


@time_machine.travel(TODAY, tick=False)
def test_an_absent_grade_reclassifies_the_child_and_alerts_the_county(
    django_capture_on_commit_callbacks: Any,
) -> None:
    child = make_child(birth_date=dt.date(2015, 3, 2))
    case = make_case(child)
    with django_capture_on_commit_callbacks(execute=True):
        assessment, actor = filled("guardianship", case=case, cd_daily_care="nobody")
        done = assessment_submit(actor=actor, assessment=assessment, expected_version=2)
    assert done.grade == "absent"
    assert done.scores["grade_by_score"] == "normal"
    assert done.scores["triggered"][0]["item"] == "cd_daily_care"
    child.refresh_from_db()
    assert child.guardianship_grade == "absent"
    # The national policy: guardianship assessed absent or improper → guardianship_risk.
    assert "guardianship_risk" in ChildClassification.objects.get(child=child).categories
    case.refresh_from_db()
    assert case.risk == Case.Risk.HIGH
    item = WorkItem.objects.get(kind=WorkItem.Kind.GUARDIANSHIP_ABSENT)
    assert item.origin_level == Level.COUNTY
    assert item.level == Level.COUNTY
    assert item.region_code == "511502000000"
    assert (item.object_type, item.object_id, item.case_id) == ("assessment", done.pk, case.pk)
    assert item.due_on == dt.date(2026, 3, 5)  # 3 working days after Monday 2 March
    assert "3 个工作日" in item.rule["zh"]
    # It is on county civil affairs' work list: the county's range, the county's level.
    county = county_officer()
    assert any(item.region_code.startswith(p) for p in county.prefixes)


@time_machine.travel(TODAY, tick=False)
def test_a_needs_submit_stores_needs_and_moves_the_case_to_planning() -> None:
    assessment, actor = filled("needs", hm_condition="serious", sf_harm="immediate")
    case = assessment.case
    assert case.status == "intake"
    done = assessment_submit(actor=actor, assessment=assessment, expected_version=2)
    assert done.needs == [
        {"domain": "safety", "level": "high", "support": "service", "score": 50.0},
        {"domain": "health_medical", "level": "medium", "support": "cash", "score": 50.0},
    ]
    assert done.grade == ""
    case.refresh_from_db()
    assert case.status == "planning"
    steps = list(case.transitions.values_list("to_status", "reason"))
    assert steps[-2:] == [("assessment", "需求评估已提交"), ("planning", "需求评估已提交")]
    assert WorkItem.objects.filter(case=case, kind="plan", status="open").exists()
    assert not WorkItem.objects.filter(case=case, kind="assessment", status="open").exists()


@time_machine.travel(TODAY, tick=False)
def test_submitted_needs_become_the_childs_facts_and_the_child_is_reclassified(
    django_capture_on_commit_callbacks: Any,
) -> None:
    child = make_child(birth_date=dt.date(2015, 3, 2))
    case = make_case(child)
    assessment, actor = filled("needs", case=case, hm_condition="serious", sf_harm="immediate")
    ChildClassification.objects.filter(child=child).delete()
    with django_capture_on_commit_callbacks(execute=True):
        done = assessment_submit(actor=actor, assessment=assessment, expected_version=2)
    facts = child_to_facts(Child.objects.get(pk=child.pk))
    assert facts["assessed_needs"] == [
        {"domain": "safety", "level": "high", "support": "service", "assessed_on": "2026-03-02"},
        {
            "domain": "health_medical",
            "level": "medium",
            "support": "cash",
            "assessed_on": "2026-03-02",
        },
    ]
    entry = AuditEntry.objects.filter(verb=Verb.CHILD_UPDATED, child_id=child.pk).latest("pk")
    assert entry.reason == f"需求评估 needs-cn@2026.1（评估 {done.pk}）"
    # CHILD_CHANGED after commit: the engine classified the child on the new facts.
    assert ChildClassification.objects.get(child=child).source == "child_change"
    # A later assessment that finds no need clears them.
    with django_capture_on_commit_callbacks(execute=True):
        again, actor = filled("needs", case=Case.objects.get(pk=case.pk))
        assessment_submit(actor=actor, assessment=again, expected_version=2)
    assert child_to_facts(Child.objects.get(pk=child.pk))["assessed_needs"] == []


@time_machine.travel(TODAY, tick=False)
def test_a_needs_submit_leaves_a_case_already_in_service_where_it_is() -> None:
    actor = director()
    case = make_case(actor=actor, emergency=True)
    from hehu.cases.services.cases import case_transition

    case_transition(actor=actor, case=case, to_status="in_service")
    assessment, actor = filled("needs", case=case)
    assessment_submit(actor=actor, assessment=assessment, expected_version=2)
    case.refresh_from_db()
    assert case.status == "in_service"
