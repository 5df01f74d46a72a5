import datetime as dt
from decimal import Decimal

import pytest

from hehu.audit.models import AuditEntry, Verb
from hehu.core.crypto import decrypt
from hehu.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed
from hehu.regions.tests.factories import region
from hehu.registry.data import ConditionData, HouseholdData, ParentData
from hehu.registry.errors import DuplicateIdNumber
from hehu.registry.models import Child
from hehu.registry.selectors import child_history
from hehu.registry.services import child_register, child_update
from hehu.registry.tests.factories import full_child_data, make_id_number, replace

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(village_director):
    return child_register(actor=village_director, data=full_child_data())


def snapshot(child):
    child = Child.objects.get(pk=child.pk)
    return (
        child.name,
        child.version,
        child.living_arrangement,
        [
            (p.role, p.name, [c.type for c in p.conditions.all()])
            for p in child.parents.order_by("role")
        ],
        [c.type for c in child.concerns.all()],
        child.household.address,
    )


def test_it_updates_the_file_and_records_every_change_old_to_new(village_director, registered):
    data = full_child_data(
        name="王小华",
        living_arrangement="alone",
        parents=[
            ParentData(role="father", name="王大", vital_status="dead"),
            ParentData(
                role="mother",
                name="李梅",
                conditions=[
                    ConditionData(
                        type="imprisoned",
                        since=dt.date(2024, 3, 1),
                        term_months=48,
                        evidence_kind="judgment",
                        evidence_reference="(2024)川1502刑初1号",
                    ),
                ],
            ),
        ],
    )
    child = child_update(
        actor=village_director, child=registered, data=data, expected_version=1, reason="核实后更正"
    )

    assert child.version == 2
    child.refresh_from_db()
    assert (child.name, child.living_arrangement) == ("王小华", "alone")
    assert child.name_key == "王小华"
    entry = AuditEntry.objects.get(verb=Verb.CHILD_UPDATED)
    assert entry.changes == {
        "name": ["王小花", "王小华"],
        "living_arrangement": ["with_relatives", "alone"],
        "parents[mother].conditions[0].term_months": [36, 48],
    }
    assert entry.reason == "核实后更正"
    assert entry.actor == village_director


def test_it_records_nested_additions_and_removals_per_path(village_director, registered):
    data = full_child_data(
        concerns=[],
        household=HouseholdData(address="新住址", dibao=False),
    )
    child_update(actor=village_director, child=registered, data=data, expected_version=1)

    changes = AuditEntry.objects.get(verb=Verb.CHILD_UPDATED).changes
    assert changes["concerns[0].type"] == ["neglect", None]
    assert changes["household.address"] == ["翠屏区某街道1号", "新住址"]
    assert changes["household.dibao"] == [True, False]
    assert changes["household.dibao_child_amount"] == ["400.00", None]
    assert changes["household.members[0].name"] == ["王奶奶", None]
    assert not registered.concerns.exists()


def test_it_changes_nothing_and_records_nothing_when_the_data_is_the_same(
    village_director, registered
):
    child = child_update(
        actor=village_director, child=registered, data=full_child_data(), expected_version=1
    )
    assert child.version == 1
    assert not AuditEntry.objects.filter(verb=Verb.CHILD_UPDATED).exists()


def test_it_refuses_the_second_of_two_concurrent_edits_and_keeps_the_first(
    village_director, township_supervisor, registered
):
    first_copy = Child.objects.get(pk=registered.pk)
    second_copy = Child.objects.get(pk=registered.pk)
    child_update(
        actor=village_director,
        child=first_copy,
        data=full_child_data(name="王小华"),
        expected_version=first_copy.version,
    )
    kept = snapshot(registered)

    with pytest.raises(ConcurrentEdit) as exc:
        child_update(
            actor=township_supervisor,
            child=second_copy,
            data=full_child_data(name="王晓花", parents=[], concerns=[]),
            expected_version=second_copy.version,
        )
    assert str(exc.value.message) == "该档案已被他人修改，请刷新后重新编辑；您的修改尚未保存。"
    assert snapshot(registered) == kept
    assert kept[0] == "王小华"
    assert AuditEntry.objects.filter(verb=Verb.CHILD_UPDATED).count() == 1


def test_it_refuses_a_police_officer_and_changes_nothing(police_officer, registered):
    before = snapshot(registered)
    with pytest.raises(PermissionRefused):
        child_update(
            actor=police_officer,
            child=registered,
            data=full_child_data(name="改"),
            expected_version=1,
        )
    assert snapshot(registered) == before


def test_it_refuses_a_director_of_another_county_and_changes_nothing(
    director_elsewhere, registered
):
    before = snapshot(registered)
    with pytest.raises(PermissionRefused):
        child_update(
            actor=director_elsewhere,
            child=registered,
            data=full_child_data(name="改"),
            expected_version=1,
        )
    assert snapshot(registered) == before
    assert not AuditEntry.objects.filter(verb=Verb.CHILD_UPDATED).exists()


def test_it_refuses_invalid_data_and_changes_nothing(village_director, registered):
    before = snapshot(registered)
    bad = full_child_data(
        name="王小华",
        parents=[
            ParentData(
                role="mother",
                conditions=[
                    ConditionData(
                        type="imprisoned", since=dt.date(2024, 3, 1), until=dt.date(2023, 1, 1)
                    )
                ],
            )
        ],
    )
    with pytest.raises(ValidationFailed) as exc:
        child_update(actor=village_director, child=registered, data=bad, expected_version=1)
    assert list(exc.value.errors) == ["parents[0].conditions[0].until"]
    assert snapshot(registered) == before


def test_it_keeps_the_stored_id_number_when_asked(village_director, registered):
    data = replace(full_child_data(name="王小华"), id_number=None, keep_id_number=True)
    child = child_update(actor=village_director, child=registered, data=data, expected_version=1)
    assert decrypt(child.id_number_encrypted) == make_id_number()
    assert "id_number" not in AuditEntry.objects.get(verb=Verb.CHILD_UPDATED).changes


def test_it_removes_the_id_number_when_none_is_given_with_a_reason(village_director, registered):
    data = replace(full_child_data(), id_number=None, no_id_reason="unknown")
    child = child_update(actor=village_director, child=registered, data=data, expected_version=1)
    assert child.id_number_index is None
    changes = AuditEntry.objects.get(verb=Verb.CHILD_UPDATED).changes
    assert changes["id_number"] == [f"***{make_id_number()[-4:]}", ""]


def test_it_rechecks_duplicates_when_the_id_number_changes(village_director, registered):
    other_number = make_id_number(sequence=40)
    child_register(
        actor=village_director,
        data=full_child_data(name="李四", id_number=other_number, parents=[], concerns=[]),
    )
    before = snapshot(registered)
    with pytest.raises(DuplicateIdNumber):
        child_update(
            actor=village_director,
            child=registered,
            data=full_child_data(id_number=other_number),
            expected_version=1,
        )
    assert snapshot(registered) == before


def test_it_lets_a_director_move_a_child_only_within_her_reach(village_director, registered):
    region("511502001002")
    with pytest.raises(PermissionRefused) as exc:
        child_update(
            actor=village_director,
            child=registered,
            data=full_child_data(region_code="511502001002"),
            expected_version=1,
        )
    assert exc.value.field == "region_code"
    assert Child.objects.get(pk=registered.pk).region_id == "511502001001"


def test_it_lets_the_county_officer_hand_a_file_over_to_another_county(county_officer, registered):
    region("511524100201")
    child = child_update(
        actor=county_officer,
        child=registered,
        data=full_child_data(region_code="511524100201"),
        expected_version=1,
    )
    assert child.region_id == "511524100201"
    changes = AuditEntry.objects.get(verb=Verb.CHILD_UPDATED).changes
    assert changes["region_code"] == ["511502001001", "511524100201"]


def test_it_lists_the_history_of_creation_and_updates_newest_first(village_director, registered):
    child_update(
        actor=village_director,
        child=registered,
        data=full_child_data(household=HouseholdData(dibao_child_amount=Decimal("450"))),
        expected_version=1,
    )
    from hehu.registry.services import child_record_view

    child_record_view(actor=village_director, child=registered)
    history = list(child_history(child=registered))
    assert [e.verb for e in history] == [Verb.CHILD_UPDATED, Verb.CHILD_CREATED]


def test_it_keeps_an_abolished_hukou_region_already_on_the_file_but_refuses_a_new_one(
    village_director, registered
):
    from hehu.regions.models import Region

    Region.objects.filter(code="511502001001").update(active=False)
    child = child_update(
        actor=village_director,
        child=registered,
        data=full_child_data(name="王小华"),
        expected_version=1,
    )
    assert child.hukou_region_id == "511502001001"

    region("511502001003")
    Region.objects.filter(code="511502001003").update(active=False)
    with pytest.raises(ValidationFailed) as exc:
        child_update(
            actor=village_director,
            child=child,
            data=full_child_data(name="王小华", hukou_region_code="511502001003"),
            expected_version=2,
        )
    assert exc.value.errors["hukou_region_code"] == [
        "区划代码 511502001003 已撤销，请使用现行区划代码"
    ]
