import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from hehu.audit.models import AuditEntry, Verb
from hehu.core.crypto import decrypt
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.registry.data import (
    ConcernData,
    ConditionData,
    HouseholdData,
    MemberData,
    ParentData,
    ReceivingData,
)
from hehu.registry.models import Attachment, Child, ParentCondition
from hehu.registry.selectors import child_history, children_visible_to
from hehu.registry.services import attachment_add, child_register, children_merge
from hehu.registry.services.merge import MergeRefused
from hehu.registry.tests.factories import child_data, full_child_data, make_id_number

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def pair(village_director):
    """The same girl registered twice: once in full with her ID, once by name only, with a
    different account of her mother and a police receipt the first file lacks."""
    survivor = child_register(actor=village_director, data=full_child_data(guardian_phone=""))
    duplicate = child_register(
        actor=village_director,
        confirm_not_duplicate=True,
        data=child_data(
            name="王小華",
            no_id_reason="unknown",
            living_arrangement="alone",
            guardian_phone="13800000000",
            household=HouseholdData(
                address="另一个住址",
                income_per_capita=Decimal("310"),
                members=[
                    MemberData(name="王奶奶", relation="祖母", birth_date=dt.date(1950, 1, 1)),
                    MemberData(name="王小弟", relation="弟弟"),
                ],
            ),
            parents=[
                ParentData(
                    role="mother",
                    name="李梅",
                    phone="13900000000",
                    conditions=[
                        ConditionData(
                            type="lost_contact",
                            police_accepted_on=dt.date(2025, 1, 10),
                            police_receipt=True,
                            evidence_kind="police_receipt",
                        )
                    ],
                ),
            ],
            concerns=[
                ConcernData(type="neglect", substantiated=True, since=dt.date(2025, 5, 1)),
                ConcernData(type="left_alone", since=dt.date(2025, 6, 1)),
            ],
            receiving=[ReceivingData(programme="orphan_allowance", monthly_amount=Decimal("1000"))],
        ),
    )
    attachment_add(
        actor=village_director,
        child=duplicate,
        file=ContentFile(PNG, name="receipt.png"),
        title="报案回执",
    )
    return survivor, duplicate


def test_it_merges_without_losing_anything_from_either_file(township_supervisor, pair):
    survivor, duplicate = pair
    merged = children_merge(
        actor=township_supervisor, survivor=survivor, duplicate=duplicate, reason="同一儿童"
    )

    merged.refresh_from_db()
    duplicate.refresh_from_db()
    assert duplicate.status == Child.Status.MERGED
    assert duplicate.merged_into == merged
    assert merged.version == 2
    # Blank fields filled from the duplicate; the survivor's own values kept.
    assert merged.guardian_phone == "13800000000"
    assert merged.name == "王小花"
    assert merged.living_arrangement == "with_relatives"
    # Both accounts of the mother are kept: her imprisonment and the lost-contact report.
    mother = merged.parents.get(role="mother")
    assert sorted(mother.conditions.values_list("type", flat=True)) == [
        "imprisoned",
        "lost_contact",
    ]
    assert mother.phone == "13900000000"
    assert ParentCondition.objects.count() == 2
    # Concerns, benefits, attachments and household members moved; exact copies not doubled.
    assert sorted(merged.concerns.values_list("type", flat=True)) == ["left_alone", "neglect"]
    assert sorted(merged.receiving.values_list("programme", flat=True)) == [
        "dibao_child",
        "orphan_allowance",
    ]
    assert Attachment.objects.get().child == merged
    assert sorted(merged.household.members.values_list("name", flat=True)) == ["王奶奶", "王小弟"]
    assert merged.household.income_per_capita == Decimal("310.00")
    assert merged.household.address == "翠屏区某街道1号"
    assert list(children_visible_to(user=township_supervisor)) == [merged]


def test_it_keeps_the_duplicates_conflicting_values_in_the_audit_of_both_files(
    township_supervisor, pair
):
    survivor, duplicate = pair
    children_merge(
        actor=township_supervisor, survivor=survivor, duplicate=duplicate, reason="同一儿童"
    )

    on_survivor = AuditEntry.objects.get(verb=Verb.CHILD_MERGED, child_id=survivor.pk)
    assert on_survivor.reason == "同一儿童"
    assert on_survivor.changes["merged_from"] == duplicate.pk
    assert on_survivor.changes["conflicts"]["name"] == "王小華"
    assert on_survivor.changes["conflicts"]["living_arrangement"] == "alone"
    assert on_survivor.changes["conflicts"]["household.address"] == "另一个住址"
    assert on_survivor.changes["filled"]["guardian_phone"] == ["", "13800000000"]
    on_duplicate = AuditEntry.objects.get(verb=Verb.CHILD_MERGED, child_id=duplicate.pk)
    assert on_duplicate.changes["merged_into"] == [None, survivor.pk]
    history = [e.verb for e in child_history(child=survivor)]
    assert history.count(Verb.CHILD_MERGED) == 2
    assert history.count(Verb.CHILD_CREATED) == 2


def test_it_takes_over_the_id_number_when_only_the_duplicate_has_one(
    village_director, county_officer
):
    number = make_id_number()
    survivor = child_register(actor=village_director, data=child_data(name="张伟"))
    duplicate = child_register(
        actor=village_director,
        data=child_data(
            name="張偉",
            id_number=number,
            no_id_reason="",
            parents=[ParentData(role="father", name="张大", migrant_worker=True)],
        ),
        confirm_not_duplicate=True,
    )
    merged = children_merge(
        actor=county_officer, survivor=survivor, duplicate=duplicate, reason="同一人"
    )
    merged.refresh_from_db()
    assert decrypt(merged.id_number_encrypted) == number
    assert merged.no_id_reason == ""
    father = merged.parents.get()
    assert (father.role, father.name, father.migrant_worker) == ("father", "张大", True)


def test_it_refuses_to_merge_two_files_with_different_id_numbers(village_director, county_officer):
    one = child_register(
        actor=village_director, data=child_data(id_number=make_id_number(sequence=1))
    )
    two = child_register(
        actor=village_director, data=child_data(id_number=make_id_number(sequence=2))
    )
    with pytest.raises(MergeRefused):
        children_merge(actor=county_officer, survivor=one, duplicate=two, reason="同一人")
    two.refresh_from_db()
    assert two.status == Child.Status.ACTIVE


def test_it_refuses_a_village_director_who_may_not_merge(village_director, pair):
    survivor, duplicate = pair
    with pytest.raises(PermissionRefused):
        children_merge(actor=village_director, survivor=survivor, duplicate=duplicate, reason="x")
    duplicate.refresh_from_db()
    assert duplicate.status == Child.Status.ACTIVE
    assert not AuditEntry.objects.filter(verb=Verb.CHILD_MERGED).exists()


def test_it_refuses_a_supervisor_who_cannot_see_both_files(village_director, pair):
    from hehu.accounts.models import Role
    from hehu.accounts.tests.factories import make_user

    other_township = make_user(Role.TOWNSHIP_SUPERVISOR, "511502002")
    survivor, duplicate = pair
    with pytest.raises(PermissionRefused):
        children_merge(actor=other_township, survivor=survivor, duplicate=duplicate, reason="x")
    duplicate.refresh_from_db()
    assert duplicate.status == Child.Status.ACTIVE


def test_it_requires_a_reason_to_merge(township_supervisor, pair):
    survivor, duplicate = pair
    with pytest.raises(ValidationFailed) as exc:
        children_merge(
            actor=township_supervisor, survivor=survivor, duplicate=duplicate, reason=" "
        )
    assert list(exc.value.errors) == ["reason"]
    duplicate.refresh_from_db()
    assert duplicate.status == Child.Status.ACTIVE
