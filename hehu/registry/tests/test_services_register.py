import datetime as dt

import pytest
import time_machine

from hehu.audit.models import AuditEntry, Verb
from hehu.core.crypto import decrypt
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.regions.tests.factories import region
from hehu.registry.data import ConditionData, HouseholdData, MemberData, ParentData
from hehu.registry.errors import DuplicateIdNumber, LikelyDuplicates
from hehu.registry.models import Child, Parent, ParentCondition
from hehu.registry.services import child_register
from hehu.registry.tests.factories import (
    VILLAGE,
    child_data,
    full_child_data,
    make_id_number,
)

pytestmark = pytest.mark.django_db
NEIGHBOUR_VILLAGE = "511502001002"


def errors_of(exc_info):
    return {path: [str(m) for m in messages] for path, messages in exc_info.value.errors.items()}


def test_it_registers_a_full_file_for_a_director_in_her_village(village_director):
    child = child_register(actor=village_director, data=full_child_data())

    child.refresh_from_db()
    assert child.name == "王小花"
    assert child.region_id == VILLAGE
    assert child.created_by == village_director
    assert child.household.dibao is True
    assert [m.name for m in child.household.members.all()] == ["王奶奶"]
    mother = child.parents.get(role="mother")
    condition = mother.conditions.get()
    assert (condition.type, condition.term_months) == ("imprisoned", 36)
    assert condition.evidence_reference == "(2024)川1502刑初1号"
    assert child.parents.get(role="father").vital_status == "dead"
    assert child.concerns.get().substantiated is True
    assert child.receiving.get().programme == "dibao_child"


def test_it_stores_the_id_number_encrypted_with_blind_index_and_last_four(village_director):
    number = make_id_number()
    child = child_register(actor=village_director, data=full_child_data(id_number=number))

    assert number not in child.id_number_encrypted
    assert decrypt(child.id_number_encrypted) == number
    assert child.id_number_last4 == number[-4:]
    assert len(child.id_number_index) == 64
    assert child.no_id_reason == ""


def test_it_audits_the_creation_with_every_field_set_and_the_id_masked(village_director):
    number = make_id_number()
    child = child_register(actor=village_director, data=full_child_data(id_number=number))

    entry = AuditEntry.objects.get(verb=Verb.CHILD_CREATED)
    assert entry.child_id == child.pk
    assert entry.actor == village_director
    assert entry.changes["name"] == [None, "王小花"]
    assert entry.changes["id_number"] == [None, f"***{number[-4:]}"]
    assert entry.changes["parents[mother].conditions[0].type"] == [None, "imprisoned"]
    assert entry.changes["household.members[0].name"] == [None, "王奶奶"]
    assert number not in str(entry.changes)


def test_it_keeps_the_name_keys_for_duplicate_search(village_director):
    child = child_register(actor=village_director, data=child_data(name="張偉"))
    assert (child.name, child.name_key, child.name_pinyin) == ("張偉", "张伟", "zhangwei")


def test_it_registers_a_child_without_id_number_when_a_reason_is_given(village_director):
    child = child_register(actor=village_director, data=child_data(no_id_reason="abandoned"))
    assert child.id_number_index is None
    assert child.no_id_reason == "abandoned"


def test_it_refuses_a_director_of_another_county(director_elsewhere):
    with pytest.raises(PermissionRefused):
        child_register(actor=director_elsewhere, data=child_data())
    assert not Child.objects.exists()
    assert not AuditEntry.objects.exists()


def test_it_refuses_a_director_registering_in_the_neighbouring_village(village_director):
    with pytest.raises(PermissionRefused) as exc:
        child_register(actor=village_director, data=child_data(region_code=NEIGHBOUR_VILLAGE))
    assert exc.value.field == "region_code"
    assert not Child.objects.exists()


def test_it_lets_the_township_supervisor_register_anywhere_in_the_township(township_supervisor):
    child = child_register(
        actor=township_supervisor, data=child_data(region_code=NEIGHBOUR_VILLAGE)
    )
    assert child.region_id == NEIGHBOUR_VILLAGE


def test_it_refuses_a_police_officer_who_may_only_read(police_officer):
    with pytest.raises(PermissionRefused):
        child_register(actor=police_officer, data=child_data())
    assert not Child.objects.exists()


def test_it_rejects_an_id_number_with_a_wrong_check_character(village_director):
    number = make_id_number()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(ValidationFailed) as exc:
        child_register(actor=village_director, data=child_data(id_number=wrong))
    assert errors_of(exc) == {"id_number": ["身份证号码校验位不正确，请核对最后一位"]}
    assert not Child.objects.exists()


@time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC), tick=False)
def test_it_collects_every_field_error_at_once(village_director):
    region("511502001001")
    data = child_data(
        name=" ",
        birth_date=dt.date(2027, 1, 1),
        region_code="5115020010",
        hukou_region_code="511502999999",
        living_arrangement="on_the_moon",
        disability_grade=5,
        no_id_reason="",
        parents=[
            ParentData(role="father"),
            ParentData(
                role="father",
                conditions=[
                    ConditionData(
                        type="imprisoned",
                        since=dt.date(2024, 3, 1),
                        until=dt.date(2024, 2, 1),
                        term_months=0,
                    ),
                    ConditionData(type="lost_contact"),
                ],
            ),
        ],
        household=HouseholdData(members=[MemberData(name="", relation="祖母")]),
    )
    with pytest.raises(ValidationFailed) as exc:
        child_register(actor=village_director, data=data)

    errors = errors_of(exc)
    assert errors["name"] == ["请填写姓名"]
    assert errors["birth_date"] == ["出生日期不能晚于今天"]
    assert errors["region_code"] == ["区划代码必须是12位数字"]
    assert errors["hukou_region_code"] == ["区划代码 511502999999 不存在"]
    assert "living_arrangement" in errors
    assert "disability_grade" in errors
    assert "no_id_reason" in errors
    assert errors["parents[1].role"] == ["父亲只能登记一次"]
    assert errors["parents[1].conditions[0].until"] == ["结束日期不能早于开始日期"]
    assert errors["parents[1].conditions[0].term_months"] == ["期限（月）应为正整数"]
    assert errors["parents[1].conditions[1].police_accepted_on"] == [
        "失联情形须填写公安机关受理报案的日期"
    ]
    assert "household.members[0].name" in errors
    assert not Child.objects.exists()
    assert not Parent.objects.exists()
    assert not ParentCondition.objects.exists()


def test_it_requires_birth_date_and_sex_to_agree_with_the_id_number(village_director):
    number = make_id_number(dt.date(2015, 3, 2), sex="female")
    data = child_data(id_number=number, birth_date=dt.date(2015, 3, 3), sex="male")
    with pytest.raises(ValidationFailed) as exc:
        child_register(actor=village_director, data=data)
    errors = errors_of(exc)
    assert errors["birth_date"] == [
        "出生日期与身份证号码不一致（身份证号码中为2015-03-02），请核对"
    ]
    assert errors["sex"] == ["性别与身份证号码不一致（身份证号码第17位表示女），请核对"]


def test_it_refuses_a_birth_date_before_1900(village_director):
    with pytest.raises(ValidationFailed) as exc:
        child_register(actor=village_director, data=child_data(birth_date=dt.date(1899, 12, 31)))
    assert list(errors_of(exc)) == ["birth_date"]


def test_it_requires_a_grade_with_a_disability_category_and_the_reverse(village_director):
    with pytest.raises(ValidationFailed) as exc:
        child_register(actor=village_director, data=child_data(disability_category="visual"))
    assert list(errors_of(exc)) == ["disability_grade"]
    with pytest.raises(ValidationFailed) as exc:
        child_register(actor=village_director, data=child_data(disability_grade=2))
    assert list(errors_of(exc)) == ["disability_category"]
    child = child_register(
        actor=village_director, data=child_data(disability_category="visual", disability_grade=2)
    )
    assert child.disability_grade == 2


def test_it_refuses_a_region_code_that_does_not_exist(village_director):
    with pytest.raises(ValidationFailed) as exc:
        child_register(
            actor=village_director,
            data=child_data(region_code="511502001001", hukou_region_code="511502001999"),
        )
    assert errors_of(exc) == {"hukou_region_code": ["区划代码 511502001999 不存在"]}


def test_it_refuses_a_duplicate_id_number_and_points_to_the_visible_file(village_director):
    number = make_id_number()
    first = child_register(actor=village_director, data=child_data(id_number=number))

    with pytest.raises(DuplicateIdNumber) as exc:
        child_register(actor=village_director, data=child_data(name="王晓华", id_number=number))
    assert exc.value.existing_child_id == first.pk
    assert exc.value.field == "id_number"
    assert Child.objects.count() == 1


def test_it_refuses_a_duplicate_id_number_without_leaking_a_hidden_file(
    village_director, director_elsewhere
):
    number = make_id_number()
    hidden = child_register(actor=village_director, data=child_data(id_number=number))

    with pytest.raises(DuplicateIdNumber) as exc:
        child_register(
            actor=director_elsewhere,
            data=child_data(region_code="511524100201", id_number=number),
        )
    assert exc.value.existing_child_id is None
    assert str(hidden.pk) not in str(exc.value.as_dict())
    assert "其他辖区" in str(exc.value.message)
    assert Child.objects.count() == 1


@pytest.mark.parametrize(
    ("registered", "typed"),
    [("张伟", "張偉"), ("李峰", "李峯"), ("张莉", "张丽"), ("阿依古丽·买买提", "阿依古丽买买提")],
)
def test_it_shows_likely_duplicates_written_differently(village_director, registered, typed):
    first = child_register(actor=village_director, data=child_data(name=registered))

    with pytest.raises(LikelyDuplicates) as exc:
        child_register(actor=village_director, data=child_data(name=typed))
    assert [c["id"] for c in exc.value.candidates] == [first.pk]
    assert exc.value.candidates[0]["name"] == registered
    assert Child.objects.count() == 1


def test_it_registers_a_likely_duplicate_once_the_user_confirms(village_director):
    child_register(actor=village_director, data=child_data(name="张伟"))
    second = child_register(
        actor=village_director, data=child_data(name="張偉"), confirm_not_duplicate=True
    )
    assert Child.objects.count() == 2
    assert second.name == "張偉"


def test_it_does_not_flag_a_different_birth_date_or_another_county(
    village_director, director_elsewhere
):
    child_register(actor=village_director, data=child_data(name="张伟"))
    child_register(
        actor=village_director, data=child_data(name="张伟", birth_date=dt.date(2015, 3, 3))
    )
    child_register(
        actor=director_elsewhere, data=child_data(name="张伟", region_code="511524100201")
    )
    assert Child.objects.count() == 3


def test_it_does_not_flag_two_children_with_different_id_numbers(village_director):
    child_register(
        actor=village_director, data=child_data(name="张伟", id_number=make_id_number(sequence=1))
    )
    child_register(
        actor=village_director, data=child_data(name="张伟", id_number=make_id_number(sequence=2))
    )
    assert Child.objects.count() == 2


def test_it_hides_likely_duplicates_outside_the_actors_reach(village_director, township_supervisor):
    hidden = child_register(
        actor=township_supervisor, data=child_data(region_code=NEIGHBOUR_VILLAGE)
    )

    with pytest.raises(LikelyDuplicates) as exc:
        child_register(actor=village_director, data=child_data())
    assert exc.value.candidates == []
    assert str(hidden.pk) not in str(exc.value.as_dict())
    assert "县级民政部门" in str(exc.value.message)
    assert Child.objects.count() == 1
