"""Removals, placements, the register and returns, through the services (MPL arts. 92–94)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from hehu.audit.models import AuditEntry, Verb
from hehu.cases.models import Level, WorkItem
from hehu.cases.tests.factories import OTHER_COUNTY_VILLAGE, department_officer, director
from hehu.cases.worklist import item_url, worklist_for
from hehu.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed
from hehu.policy.models import ChildClassification
from hehu.protection.models import CareFacility, Placement, Removal, ReturnAssessment
from hehu.protection.models.placement import Ground
from hehu.protection.services.facilities import facility_create, facility_update
from hehu.protection.services.placements import (
    PlacementInput,
    placement_end,
    placement_number,
    removal_record,
    return_assessment_record,
)
from hehu.protection.tests.factories import (
    county_officer,
    make_child,
    make_facility,
    make_placement,
    make_removal,
    police,
)
from hehu.registry.models import Child, GuardianRelation, LivingArrangement

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 4)  # a Wednesday


# -- the register --------------------------------------------------------------------------------
def test_county_civil_affairs_add_a_facility_to_their_county_audited() -> None:
    officer = county_officer()

    facility = facility_create(
        actor=officer, name="王家寄养家庭", kind=CareFacility.Kind.FOSTER_FAMILY, capacity=2
    )

    assert facility.region_code == "511502000000"
    entry = AuditEntry.objects.get(verb=Verb.FACILITY_SAVED, object_id=str(facility.pk))
    assert entry.actor == officer
    assert entry.changes["capacity"] == 2


def test_a_facility_is_refused_every_problem_at_once() -> None:
    with pytest.raises(ValidationFailed) as refused:
        facility_create(actor=county_officer(), name="", kind="hotel", capacity=0)

    assert set(refused.value.errors) == {"name", "kind", "capacity"}


def test_a_facility_of_another_county_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        facility_create(
            actor=county_officer(),
            name="长宁县儿童福利院",
            kind=CareFacility.Kind.WELFARE_INSTITUTION,
            capacity=5,
            region_code=OTHER_COUNTY_VILLAGE[:6],
        )

    assert refused.value.errors["region_code"] == ["只能登记本县（区）的安置场所"]


def test_police_may_not_keep_the_register() -> None:
    with pytest.raises(PermissionRefused):
        facility_create(
            actor=police(), name="某寄养家庭", kind=CareFacility.Kind.FOSTER_FAMILY, capacity=1
        )


def test_a_concurrent_edit_of_a_facility_is_refused_and_nothing_is_saved() -> None:
    officer = county_officer()
    facility = make_facility(actor=officer, capacity=3)
    facility_update(
        actor=officer,
        facility=facility,
        name=facility.name,
        kind=facility.kind,
        capacity=4,
        active=True,
        expected_version=1,
    )

    with pytest.raises(ConcurrentEdit) as refused:
        facility_update(
            actor=officer,
            facility=facility,
            name="改名",
            kind=facility.kind,
            capacity=9,
            active=True,
            expected_version=1,
        )

    assert "已被其他人修改（现为第 2 版）" in str(refused.value.message)
    facility.refresh_from_db()
    assert (facility.capacity, facility.version) == (4, 2)


# -- removal -------------------------------------------------------------------------------------
@pytest.mark.parametrize("ground", Ground.values)
def test_each_of_the_seven_grounds_is_accepted(ground: str) -> None:
    child = make_child()

    removal = make_removal(child, ground=ground)

    assert Removal.objects.get(pk=removal.pk).ground == ground
    assert AuditEntry.objects.filter(
        verb=Verb.REMOVAL_RECORDED, object_id=str(removal.pk), child_id=child.pk
    ).exists()


def test_the_seven_grounds_are_those_of_the_law() -> None:
    assert len(Ground.values) == 7


def test_a_removal_without_a_ground_or_circumstances_is_refused_with_every_problem() -> None:
    child = make_child()
    with pytest.raises(ValidationFailed) as refused:
        removal_record(
            actor=police(),
            child=child,
            removed_at=timezone.now() + dt.timedelta(days=1),
            removed_by_body="army",
            removed_by_name="",
            ground="bad_weather",
            circumstances=" ",
        )

    assert set(refused.value.errors) == {
        "removed_at",
        "removed_by_body",
        "removed_by_name",
        "ground",
        "circumstances",
    }
    assert not Removal.objects.exists()


def test_a_police_officer_records_a_removal_and_civil_affairs_must_place_the_child() -> None:
    child = make_child()

    removal = make_removal(child, actor=police())

    item = WorkItem.objects.get(object_type="removal", object_id=removal.pk)
    assert item.kind == WorkItem.Kind.PLACEMENT_FOLLOWUP
    assert (item.level, item.region_code, item.department) == (
        Level.COUNTY,
        "511502000000",
        "civil_affairs",
    )
    make_placement(child)
    item.refresh_from_db()
    assert item.status == WorkItem.Status.DONE
    assert Placement.objects.get(child=child).removal == removal


def test_a_police_officer_may_record_a_removal_but_not_a_placement() -> None:
    child = make_child()
    officer = police()
    facility = make_facility()

    with pytest.raises(PermissionRefused):
        make_placement(child, actor=officer, facility=facility)
    with pytest.raises(PermissionRefused):
        make_removal(
            child,
            actor=officer,
            placement=PlacementInput(
                kind=Placement.Kind.INSTITUTION,
                started_on=timezone.localdate(),
                facility_id=facility.pk,
            ),
        )
    assert not Removal.objects.exists()
    assert not Placement.objects.exists()


def test_an_education_officer_may_not_record_a_removal() -> None:
    with pytest.raises(PermissionRefused):
        make_removal(make_child(), actor=department_officer())


def test_an_officer_of_another_county_may_not_record_a_removal() -> None:
    with pytest.raises(PermissionRefused):
        make_removal(make_child(), actor=police(OTHER_COUNTY_VILLAGE))


def test_civil_affairs_record_the_removal_and_the_placement_together() -> None:
    child = make_child()
    officer = county_officer()
    facility = make_facility(actor=officer)

    removal = make_removal(
        child,
        actor=officer,
        removed_by_body="civil_affairs",
        placement=PlacementInput(
            kind=Placement.Kind.INSTITUTION,
            started_on=timezone.localdate(),
            facility_id=facility.pk,
        ),
    )

    placement = Placement.objects.get(child=child)
    assert placement.removal == removal
    assert not WorkItem.objects.filter(object_type="removal", status=WorkItem.Status.OPEN).exists()


def test_a_removal_with_a_refused_placement_saves_nothing_and_names_the_placement_fields() -> None:
    child = make_child()
    officer = county_officer()

    with pytest.raises(ValidationFailed) as refused:
        make_removal(
            child,
            actor=officer,
            circumstances="",
            placement=PlacementInput(kind=Placement.Kind.KINSHIP, started_on=None),
        )

    assert {"circumstances", "placement.started_on", "placement.carer_name"} <= set(
        refused.value.errors
    )
    assert not Removal.objects.exists()


# -- placement -----------------------------------------------------------------------------------
def _full_facility(officer: object) -> CareFacility:
    facility = make_facility(actor=officer, capacity=1)  # type: ignore[arg-type]
    make_placement(make_child(), actor=officer, facility=facility)  # type: ignore[arg-type]
    return facility


def test_a_placement_over_capacity_is_refused_without_a_reason() -> None:
    officer = county_officer()
    facility = _full_facility(officer)
    child = make_child()

    with pytest.raises(ValidationFailed) as refused:
        make_placement(child, actor=officer, facility=facility)

    message = refused.value.errors["over_capacity_reason"][0]
    assert "现安置 1 人，床位 1 个" in message
    assert facility.name in message
    assert not Placement.objects.filter(child=child).exists()


def test_a_placement_over_capacity_with_a_short_reason_is_refused() -> None:
    officer = county_officer()
    facility = _full_facility(officer)

    with pytest.raises(ValidationFailed) as refused:
        make_placement(
            make_child(), actor=officer, facility=facility, over_capacity_reason="太急了"
        )

    assert "不少于 10 个字" in refused.value.errors["over_capacity_reason"][0]


def test_a_placement_over_capacity_is_accepted_with_a_reason_stored_and_audited() -> None:
    officer = county_officer()
    facility = _full_facility(officer)
    reason = "深夜带离，县内其他机构均已满员，次日再转安置"

    placement = make_placement(
        make_child(), actor=officer, facility=facility, over_capacity_reason=reason
    )

    assert placement.over_capacity_reason == reason
    entry = AuditEntry.objects.get(verb=Verb.PLACEMENT_STARTED, object_id=str(placement.pk))
    assert entry.reason == reason
    assert entry.changes["over_capacity"] == {"occupied": 1, "capacity": 1}


def test_a_kinship_placement_needs_the_carer_and_no_facility() -> None:
    with pytest.raises(ValidationFailed) as refused:
        make_placement(
            make_child(),
            kind=Placement.Kind.KINSHIP,
            carer_name="",
            carer_relation="",
            facility=make_facility(),
        )

    assert set(refused.value.errors) == {"carer_name", "carer_relation", "facility"}


def test_a_foster_placement_needs_a_foster_family_of_the_register() -> None:
    with pytest.raises(ValidationFailed) as refused:
        make_placement(make_child(), kind=Placement.Kind.FOSTER_FAMILY, facility=make_facility())

    assert "不能用于家庭寄养" in refused.value.errors["facility"][0]


def test_a_facility_of_another_county_cannot_be_used() -> None:
    elsewhere = make_facility(village=OTHER_COUNTY_VILLAGE)

    with pytest.raises(ValidationFailed) as refused:
        make_placement(make_child(), facility=elsewhere)

    assert refused.value.errors["facility"] == ["请选择儿童所在县（区）登记的安置场所"]


def test_a_new_placement_ends_the_current_one_as_moved() -> None:
    child = make_child()
    officer = county_officer()
    first = make_placement(child, actor=officer, kind=Placement.Kind.KINSHIP)

    second = make_placement(child, actor=officer)

    first.refresh_from_db()
    assert first.ended_on == second.started_on
    assert first.end_reason == Placement.EndReason.MOVED
    assert Placement.objects.filter(child=child, ended_on__isnull=True).get() == second
    assert AuditEntry.objects.filter(verb=Verb.PLACEMENT_ENDED, object_id=str(first.pk)).exists()


def test_temporary_care_becoming_long_term_guardianship_ends_it_as_long_term() -> None:
    child = make_child()
    officer = county_officer()
    first = make_placement(child, actor=officer)

    make_placement(child, actor=officer, guardianship=Placement.Guardianship.LONG_TERM)

    first.refresh_from_db()
    assert first.end_reason == Placement.EndReason.LONG_TERM


@pytest.mark.parametrize(
    ("kind", "living"),
    [
        (Placement.Kind.KINSHIP, LivingArrangement.WITH_RELATIVES),
        (Placement.Kind.FOSTER_FAMILY, LivingArrangement.FOSTER_FAMILY),
        (Placement.Kind.INSTITUTION, LivingArrangement.INSTITUTION),
    ],
)
def test_the_childs_facts_follow_the_placement_and_the_child_is_reclassified(
    kind: str, living: str, django_capture_on_commit_callbacks
) -> None:
    child = make_child(living_arrangement=LivingArrangement.WITH_PARENTS)
    officer = county_officer()
    facility = (
        make_facility(actor=officer, kind=CareFacility.Kind.FOSTER_FAMILY)
        if kind == Placement.Kind.FOSTER_FAMILY
        else None
    )
    assert not ChildClassification.objects.filter(child=child).exists()

    with django_capture_on_commit_callbacks(execute=True):
        placement = make_placement(child, actor=officer, kind=kind, facility=facility)

    child.refresh_from_db()
    assert child.living_arrangement == living
    assert child.guardian_relation == GuardianRelation.CIVIL_AFFAIRS
    assert child.guardian_name == "翠屏区民政局"
    assert ChildClassification.objects.filter(child=child).exists()
    history = AuditEntry.objects.get(verb=Verb.CHILD_UPDATED, child_id=child.pk)
    assert history.reason == f"安置 {placement_number(placement)}"
    assert history.changes["living_arrangement"] == [LivingArrangement.WITH_PARENTS, living]


@time_machine.travel(dt.datetime(2026, 3, 4, 10, tzinfo=dt.UTC), tick=False)
def test_the_follow_up_item_is_on_county_civil_affairs_work_list() -> None:
    officer = county_officer()
    # 7 days after Wednesday 4 March is Wednesday 11 March (a working day).
    placement = make_placement(make_child(), actor=officer, started_on=TODAY)

    item = WorkItem.objects.get(object_type="placement", object_id=placement.pk)
    assert item.due_on == dt.date(2026, 3, 11)
    assert "安置后 7 日内回访" in item.rule["zh"]
    assert item in worklist_for(user=officer, as_of=TODAY)
    assert item_url(item) == reverse("protection:child_protection", args=[placement.child_id])
    assert item not in worklist_for(user=police(), as_of=TODAY)
    assert item not in worklist_for(user=county_officer(OTHER_COUNTY_VILLAGE), as_of=TODAY)


@time_machine.travel(dt.datetime(2026, 3, 4, 10, tzinfo=dt.UTC), tick=False)
def test_a_follow_up_due_on_a_rest_day_moves_to_the_next_working_day() -> None:
    # 7 days after Sunday 1 March is Sunday 8 March: due Monday 9 March.
    placement = make_placement(make_child(), started_on=dt.date(2026, 3, 1))

    item = WorkItem.objects.get(object_type="placement", object_id=placement.pk)
    assert item.due_on == dt.date(2026, 3, 9)


def test_a_placement_for_a_child_of_another_county_is_refused() -> None:
    child = make_child(OTHER_COUNTY_VILLAGE)

    with pytest.raises(PermissionRefused):
        make_placement(child, actor=county_officer(), kind=Placement.Kind.KINSHIP)


def test_a_placement_date_in_the_future_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        make_placement(
            make_child(),
            kind=Placement.Kind.KINSHIP,
            started_on=timezone.localdate() + dt.timedelta(days=1),
        )

    assert refused.value.errors["started_on"] == ["安置日期不能晚于今天"]


# -- return --------------------------------------------------------------------------------------
def _assess(placement: Placement, can_care: bool, officer: object) -> ReturnAssessment:
    return return_assessment_record(
        actor=officer,
        placement=placement,
        assessed_on=timezone.localdate(),
        guardian_can_care=can_care,
        findings="入户评估：母亲已戒酒，住房与收入稳定。",
    )


def _return(placement: Placement, officer: object) -> Placement:
    return placement_end(
        actor=officer,
        placement=placement,
        ended_on=timezone.localdate(),
        end_reason=Placement.EndReason.RETURNED,
        living_arrangement=LivingArrangement.WITH_ONE_PARENT,
        guardian_relation=GuardianRelation.PARENT,
        guardian_name="刘秀英",
    )


def test_a_return_without_an_assessment_is_refused() -> None:
    officer = county_officer()
    placement = make_placement(make_child(), actor=officer)

    with pytest.raises(ValidationFailed) as refused:
        _return(placement, officer)

    assert refused.value.errors["end_reason"] == [
        "返还监护人前须由民政部门评估监护人能够重新履行监护职责"
    ]
    placement.refresh_from_db()
    assert placement.ended_on is None


def test_a_return_after_a_negative_assessment_is_refused() -> None:
    officer = county_officer()
    placement = make_placement(make_child(), actor=officer)
    _assess(placement, False, officer)

    with pytest.raises(ValidationFailed) as refused:
        _return(placement, officer)

    message = refused.value.errors["end_reason"][0]
    assert message.startswith("返还监护人前须由民政部门评估监护人能够重新履行监护职责")
    assert "尚不能重新履行监护职责" in message


def test_a_return_after_a_positive_assessment_is_accepted_and_the_facts_go_back(
    django_capture_on_commit_callbacks,
) -> None:
    officer = county_officer()
    child = make_child()
    placement = make_placement(child, actor=officer)
    _assess(placement, True, officer)
    assert AuditEntry.objects.filter(verb=Verb.RETURN_ASSESSED).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        ended = _return(placement, officer)

    assert ended.end_reason == Placement.EndReason.RETURNED
    child = Child.objects.get(pk=child.pk)
    assert child.living_arrangement == LivingArrangement.WITH_ONE_PARENT
    assert child.guardian_relation == GuardianRelation.PARENT
    assert child.guardian_name == "刘秀英"
    assert AuditEntry.objects.filter(verb=Verb.PLACEMENT_ENDED, object_id=str(ended.pk)).exists()
    items = WorkItem.objects.filter(object_type="placement", object_id=placement.pk)
    assert {(i.status, i.rule["zh"][:5]) for i in items} == {
        (WorkItem.Status.DONE, "安置后 7"),
        (WorkItem.Status.OPEN, "返还监护人"),
    }


def test_a_later_negative_assessment_overrides_an_earlier_positive_one() -> None:
    officer = county_officer()
    placement = make_placement(make_child(), actor=officer)
    _assess(placement, True, officer)
    _assess(placement, False, officer)

    with pytest.raises(ValidationFailed):
        _return(placement, officer)


def test_a_return_names_where_and_with_whom_the_child_lives() -> None:
    officer = county_officer()
    placement = make_placement(make_child(), actor=officer)
    _assess(placement, True, officer)

    with pytest.raises(ValidationFailed) as refused:
        placement_end(
            actor=officer,
            placement=placement,
            ended_on=timezone.localdate(),
            end_reason=Placement.EndReason.RETURNED,
            living_arrangement=LivingArrangement.INSTITUTION,
            guardian_relation="",
        )

    assert set(refused.value.errors) == {"living_arrangement", "guardian_relation"}


def test_an_ended_placement_cannot_be_ended_again() -> None:
    officer = county_officer()
    placement = make_placement(make_child(), actor=officer)
    placement_end(
        actor=officer,
        placement=placement,
        ended_on=timezone.localdate(),
        end_reason=Placement.EndReason.ADULT,
    )

    with pytest.raises(ValidationFailed) as refused:
        placement_end(
            actor=officer,
            placement=placement,
            ended_on=timezone.localdate(),
            end_reason=Placement.EndReason.OTHER,
        )

    assert "已于" in refused.value.errors["placement"][0]


def test_a_village_director_may_neither_assess_nor_end_a_placement() -> None:
    placement = make_placement(make_child())

    with pytest.raises(PermissionRefused):
        _assess(placement, True, director())
    with pytest.raises(PermissionRefused):
        _return(placement, director())


@time_machine.travel(dt.datetime(2026, 3, 4, 10, tzinfo=dt.UTC), tick=False)
def test_a_placed_child_gets_a_case_and_a_visit_that_sees_the_child_is_the_follow_up() -> None:
    from hehu.cases.models import Case
    from hehu.cases.services.visits import visit_record

    child = make_child()
    placement = make_placement(child, started_on=TODAY)
    case = Case.objects.get(child=child)
    assert case.emergency
    assert case.reason == f"临时监护安置 {placement_number(placement)}"
    followup = WorkItem.objects.get(kind=WorkItem.Kind.PLACEMENT_FOLLOWUP, child=child)
    # A visit that did not see the child leaves the follow-up open.
    kw = {
        "living_conditions": "good",
        "safety": "safe",
        "schooling": "attending",
        "health": "good",
        "notes": "",
        "photos": [],
    }
    visit_record(
        actor=director(child.region_id),
        case=case,
        visited_on=TODAY,
        child_seen=False,
        not_seen_reason="儿童在机构上课",
        **kw,
    )
    followup.refresh_from_db()
    assert followup.status == WorkItem.Status.OPEN
    visit_record(
        actor=director(child.region_id),
        case=case,
        visited_on=TODAY,
        child_seen=True,
        not_seen_reason="",
        **kw,
    )
    followup.refresh_from_db()
    assert followup.status == WorkItem.Status.DONE
    # A second placement does not open a second case.
    make_placement(child, kind=Placement.Kind.KINSHIP, started_on=TODAY)
    assert Case.objects.filter(child=child).count() == 1
