from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation
from rest_framework.authtoken.models import Token

from hehu.accounts.errors import AccountOutsideJurisdiction, NotAnAdministrator
from hehu.accounts.models import Department, Jurisdiction, Role, User
from hehu.accounts.services import (
    user_create,
    user_deactivate,
    user_reactivate,
    user_set_password,
    user_update,
)
from hehu.accounts.tests.factories import DEFAULT_PASSWORD, make_user
from hehu.audit.models import AuditEntry, Verb
from hehu.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed

PASSWORD = "Cuiping-2026-safe"


def create(actor: Any, **overrides: Any) -> User:
    fields: dict[str, Any] = {
        "username": "wangli",
        "full_name": "王丽",
        "role": Role.VILLAGE_DIRECTOR,
        "department": "",
        "organisation": None,
        "prefixes": ["511502001001"],
        "password": PASSWORD,
        "phone": "13800000000",
    }
    fields.update(overrides)
    return user_create(actor=actor, **fields)


def refused_fields(actor: Any, **overrides: Any) -> dict[str, list[str]]:
    users, entries = User.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        create(actor, **overrides)
    assert User.objects.count() == users
    assert AuditEntry.objects.count() == entries
    return {k: [str(m) for m in v] for k, v in caught.value.errors.items()}


def update(actor: Any, user: User, **overrides: Any) -> User:
    fields: dict[str, Any] = {
        "full_name": user.full_name,
        "role": user.role,
        "department": user.department,
        "organisation": user.organisation,
        "prefixes": list(user.prefixes),
        "phone": user.phone,
    }
    fields.update(overrides)
    return user_update(actor=actor, user=user, **fields)


# --- creating ---------------------------------------------------------------------------


def test_it_creates_a_village_director_with_region_and_audit(admin_user, regions):
    user = create(admin_user)

    assert user.prefixes == ["511502001001"]
    assert user.jurisdictions.get().region.code == "511502001001"
    assert user.check_password(PASSWORD)
    assert user.password_changed_at is not None
    entry = AuditEntry.objects.get(verb=Verb.USER_CREATED, object_id=str(user.pk))
    assert entry.actor == admin_user
    assert entry.changes["role"]["new"] == Role.VILLAGE_DIRECTOR
    assert entry.changes["prefixes"]["new"] == ["511502001001"]


def test_it_never_writes_the_password_to_the_audit_log(admin_user, regions):
    user = create(admin_user)
    user_set_password(actor=admin_user, user=user, password="Another-pass-2026")

    for entry in AuditEntry.objects.all():
        assert PASSWORD not in str(entry.changes)
        assert "Another-pass-2026" not in str(entry.changes)
        assert user.password not in str(entry.changes)


def test_it_gives_a_county_civil_affairs_officer_the_civil_affairs_department(admin_user, regions):
    user = create(admin_user, role=Role.COUNTY_CIVIL_AFFAIRS, prefixes=["511502"])

    assert user.department == Department.CIVIL_AFFAIRS


def test_it_creates_a_national_analyst_with_the_empty_prefix(admin_user):
    user = create(admin_user, role=Role.NATIONAL_ANALYST, prefixes=[""])

    assert user.prefixes == [""]
    assert user.jurisdictions.get().region is None


def test_it_creates_a_social_worker_of_an_organisation_in_reach(county_admin, organisation):
    user = create(
        county_admin, role=Role.SOCIAL_WORKER, organisation=organisation, prefixes=["511502"]
    )

    assert user.organisation == organisation


def test_it_lets_a_county_admin_create_accounts_in_the_county(county_admin, regions):
    user = create(county_admin, role=Role.TOWNSHIP_SUPERVISOR, prefixes=["511502001"])

    assert user.prefixes == ["511502001"]


def test_it_drops_repeated_prefixes(admin_user, regions):
    user = create(admin_user, prefixes=["511502001001", " 511502001001 ", "511502001002"])

    assert user.prefixes == ["511502001001", "511502001002"]


# --- refusals on create -----------------------------------------------------------------


def test_it_refuses_anyone_without_account_management(county_officer, regions):
    with pytest.raises(NotAnAdministrator):
        create(county_officer)

    assert not User.objects.filter(username="wangli").exists()


@pytest.mark.parametrize(
    ("role", "prefix"),
    [
        (Role.VILLAGE_DIRECTOR, "511502001"),
        (Role.TOWNSHIP_SUPERVISOR, "511502001001"),
        (Role.TOWNSHIP_SUPERVISOR, "511502"),
        (Role.COUNTY_CIVIL_AFFAIRS, "5115"),
        (Role.DEPARTMENT_OFFICER, "511502001"),
        (Role.CITY_ANALYST, "511502"),
        (Role.PROVINCE_ANALYST, "5115"),
        (Role.NATIONAL_ANALYST, "51"),
        (Role.ADMIN, "511502001"),
        (Role.VILLAGE_DIRECTOR, ""),
    ],
)
def test_it_refuses_a_jurisdiction_at_the_wrong_level_for_the_role(
    admin_user, regions, role, prefix
):
    errors = refused_fields(
        admin_user, role=role, prefixes=[prefix], department=Department.EDUCATION
    )

    assert any("与角色不符" in m for m in errors["prefixes"])


def test_it_refuses_a_region_that_does_not_exist(admin_user, regions):
    errors = refused_fields(admin_user, prefixes=["511502001399"])

    assert errors["prefixes"] == ["管辖范围：区划代码 511502001399 不存在或已撤销。"]


def test_it_refuses_a_region_that_is_no_longer_current(admin_user, regions):
    from hehu.regions.models import Region

    Region.objects.filter(code="511502001002").update(active=False)

    errors = refused_fields(admin_user, prefixes=["511502001002"])

    assert "不存在或已撤销" in errors["prefixes"][0]


@pytest.mark.parametrize("prefix", ["51150", "5115020010011", "51150200100a"])
def test_it_refuses_a_malformed_region_code(admin_user, regions, prefix):
    errors = refused_fields(admin_user, prefixes=[prefix])

    assert "不是有效的区划代码" in errors["prefixes"][0]


def test_it_refuses_an_account_without_jurisdiction(admin_user, regions):
    errors = refused_fields(admin_user, prefixes=[])

    assert errors["prefixes"] == ["管辖范围：请至少填写一个区划代码。"]


def test_it_refuses_a_jurisdiction_outside_the_admins_own(county_admin, regions):
    errors = refused_fields(county_admin, prefixes=["511524100201"])

    assert errors["prefixes"] == ["管辖范围：511524100201 不在您的管辖范围内。"]


def test_it_refuses_a_county_admin_creating_a_national_or_city_account(county_admin, regions):
    national = refused_fields(county_admin, role=Role.NATIONAL_ANALYST, prefixes=[""])
    city = refused_fields(county_admin, role=Role.CITY_ANALYST, prefixes=["5115"])

    assert national["prefixes"] == ["管辖范围：全国 不在您的管辖范围内。"]
    assert city["prefixes"] == ["管辖范围：5115 不在您的管辖范围内。"]


def test_it_refuses_a_department_officer_without_a_department(admin_user, regions):
    errors = refused_fields(admin_user, role=Role.DEPARTMENT_OFFICER, prefixes=["511502"])

    assert "须选择所在部门" in errors["department"][0]


def test_it_refuses_a_department_officer_of_civil_affairs(admin_user, regions):
    errors = refused_fields(
        admin_user,
        role=Role.DEPARTMENT_OFFICER,
        department=Department.CIVIL_AFFAIRS,
        prefixes=["511502"],
    )

    assert "县级民政干部" in errors["department"][0]


def test_it_refuses_a_county_civil_affairs_officer_of_another_department(admin_user, regions):
    errors = refused_fields(
        admin_user,
        role=Role.COUNTY_CIVIL_AFFAIRS,
        department=Department.EDUCATION,
        prefixes=["511502"],
    )

    assert errors["department"] == ["部门：县级民政干部的部门应为“民政”。"]


def test_it_refuses_a_social_worker_without_an_organisation(admin_user, regions):
    errors = refused_fields(admin_user, role=Role.SOCIAL_WORKER, prefixes=["511502"])

    assert "须选择所属社会组织" in errors["organisation"][0]


def test_it_refuses_an_organisation_outside_the_admins_reach(county_admin, organisation_elsewhere):
    errors = refused_fields(
        county_admin,
        role=Role.SOCIAL_WORKER,
        organisation=organisation_elsewhere,
        prefixes=["511502"],
    )

    assert errors["organisation"] == ["社会组织：该社会组织不在您的管辖范围内。"]


def test_it_refuses_an_organisation_for_a_role_other_than_social_worker(admin_user, organisation):
    errors = refused_fields(admin_user, organisation=organisation)

    assert "只有社会组织社工" in errors["organisation"][0]


def test_it_refuses_an_unknown_role(admin_user, regions):
    errors = refused_fields(admin_user, role="superuser")

    assert errors["role"] == ["角色：请选择一个角色。"]


def test_it_refuses_a_username_already_taken_in_any_case(admin_user, regions):
    create(admin_user)

    errors = refused_fields(admin_user, username="WangLi")

    assert "已被使用" in errors["username"][0]
    assert User.objects.filter(username__iexact="wangli").count() == 1


def test_it_refuses_a_username_with_spaces_and_an_empty_name(admin_user, regions):
    errors = refused_fields(admin_user, username="wang li", full_name="  ")

    assert errors["username"] == ["用户名：只能包含字母、数字和 @ . + - _ 字符。"]
    assert errors["full_name"] == ["姓名：请填写姓名。"]


def test_it_refuses_a_phone_number_with_letters(admin_user, regions):
    errors = refused_fields(admin_user, phone="138-abc")

    assert "电话" in errors["phone"][0]


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("Short1a", "密码长度太短"),
        ("12345678901234", "只包含数字"),
        ("password12", "太常见"),
        ("onlyletterslong", "同时包含字母和数字"),
        ("wangli2026", "相似"),
    ],
)
def test_it_refuses_a_password_against_the_policy(admin_user, regions, password, fragment):
    errors = refused_fields(admin_user, password=password)

    assert any(fragment in m for m in errors["password"]), errors["password"]


def test_it_explains_a_refused_password_in_the_users_language(admin_user, regions):
    with translation.override("en"):
        errors = refused_fields(admin_user, password="Short1a")

    assert any("This password is too short" in m for m in errors["password"])


def test_it_reports_every_problem_at_once(admin_user, regions):
    errors = refused_fields(
        admin_user, username="", full_name="", prefixes=["999999"], password="1"
    )

    assert set(errors) == {"username", "full_name", "prefixes", "password"}


# --- updating ---------------------------------------------------------------------------


def test_it_updates_role_and_jurisdiction_and_records_old_and_new(admin_user, regions):
    user = create(admin_user)

    updated = update(
        admin_user, user, role=Role.TOWNSHIP_SUPERVISOR, prefixes=["511502001"], phone=""
    )

    assert updated.role == Role.TOWNSHIP_SUPERVISOR
    assert updated.prefixes == ["511502001"]
    assert User.objects.get(pk=user.pk).version == 2
    entry = AuditEntry.objects.get(verb=Verb.USER_UPDATED, object_id=str(user.pk))
    assert entry.changes == {
        "role": {"old": Role.VILLAGE_DIRECTOR, "new": Role.TOWNSHIP_SUPERVISOR},
        "prefixes": {"old": ["511502001001"], "new": ["511502001"]},
        "phone": {"old": "13800000000", "new": ""},
    }


def test_it_records_nothing_when_nothing_changed(admin_user, regions):
    user = create(admin_user)

    update(admin_user, user)

    assert not AuditEntry.objects.filter(verb=Verb.USER_UPDATED).exists()
    assert User.objects.get(pk=user.pk).version == 1


def test_it_refuses_an_edit_based_on_an_old_version(admin_user, regions):
    user = create(admin_user)
    update(admin_user, user, full_name="王丽华", expected_version=1)

    with pytest.raises(ConcurrentEdit):
        update(admin_user, user, full_name="王小丽", expected_version=1)

    assert User.objects.get(pk=user.pk).full_name == "王丽华"


def test_it_refuses_to_edit_an_account_in_another_county(county_admin, director_elsewhere):
    with pytest.raises(AccountOutsideJurisdiction):
        update(county_admin, director_elsewhere, full_name="改名")

    director_elsewhere.refresh_from_db()
    assert director_elsewhere.full_name != "改名"
    assert not AuditEntry.objects.exists()


def test_it_refuses_to_edit_an_account_reaching_beyond_the_admins_county(county_admin, regions):
    spanning = make_user(Role.VILLAGE_DIRECTOR, "511502001001", "511524100201")

    with pytest.raises(AccountOutsideJurisdiction):
        update(county_admin, spanning, prefixes=["511502001001"])

    assert sorted(spanning.jurisdictions.values_list("prefix", flat=True)) == [
        "511502001001",
        "511524100201",
    ]


def test_it_refuses_to_move_an_account_out_of_the_admins_reach(county_admin, village_director):
    from hehu.regions.tests.factories import region

    region("511524100201")

    with pytest.raises(ValidationFailed):
        update(county_admin, village_director, prefixes=["511524100201"])

    assert village_director.jurisdictions.get().prefix == "511502001001"


def test_it_refuses_an_administrator_changing_their_own_role(admin_user):
    with pytest.raises(ValidationFailed) as caught:
        update(admin_user, admin_user, role=Role.NATIONAL_ANALYST)

    assert "role" in caught.value.errors
    assert User.objects.get(pk=admin_user.pk).role == Role.ADMIN


def test_it_refuses_an_update_by_someone_without_account_management(
    county_officer, village_director
):
    with pytest.raises(NotAnAdministrator):
        update(county_officer, village_director, full_name="改名")

    assert User.objects.get(pk=village_director.pk).full_name != "改名"


def test_it_refuses_an_invalid_update_and_keeps_the_jurisdictions(admin_user, village_director):
    with pytest.raises(ValidationFailed):
        update(admin_user, village_director, role=Role.TOWNSHIP_SUPERVISOR)

    village_director.refresh_from_db()
    assert village_director.role == Role.VILLAGE_DIRECTOR
    prefixes = Jurisdiction.objects.filter(user=village_director).values_list("prefix", flat=True)
    assert list(prefixes) == ["511502001001"]


# --- passwords, deactivation ------------------------------------------------------------


def test_it_lets_anyone_change_their_own_password(village_director):
    user_set_password(actor=village_director, user=village_director, password="New-pass-2026x")

    village_director.refresh_from_db()
    assert village_director.check_password("New-pass-2026x")
    entry = AuditEntry.objects.get(verb=Verb.USER_UPDATED)
    assert entry.changes == {"password": {"old": None, "new": "changed"}}


def test_it_resets_a_password_and_revokes_api_tokens(admin_user, village_director):
    Token.objects.create(user=village_director)

    user_set_password(actor=admin_user, user=village_director, password="Reset-pass-2026")

    village_director.refresh_from_db()
    assert village_director.check_password("Reset-pass-2026")
    assert not Token.objects.filter(user=village_director).exists()


def test_it_refuses_a_password_reset_by_a_colleague(township_supervisor, village_director):
    with pytest.raises(NotAnAdministrator):
        user_set_password(
            actor=township_supervisor, user=village_director, password="Reset-pass-2026"
        )

    village_director.refresh_from_db()
    assert village_director.check_password(DEFAULT_PASSWORD)


def test_it_refuses_a_password_reset_in_another_county(county_admin, director_elsewhere):
    with pytest.raises(AccountOutsideJurisdiction):
        user_set_password(actor=county_admin, user=director_elsewhere, password="Reset-pass-2026")

    director_elsewhere.refresh_from_db()
    assert director_elsewhere.check_password(DEFAULT_PASSWORD)


def test_it_refuses_a_weak_new_password_and_keeps_the_old(village_director):
    with pytest.raises(ValidationFailed):
        user_set_password(actor=village_director, user=village_director, password="abc")

    village_director.refresh_from_db()
    assert village_director.check_password(DEFAULT_PASSWORD)


def test_it_deactivates_with_a_reason_and_revokes_tokens(county_admin, village_director):
    Token.objects.create(user=village_director)

    user_deactivate(actor=county_admin, user=village_director, reason="调离岗位")

    village_director.refresh_from_db()
    assert not village_director.is_active
    assert not Token.objects.filter(user=village_director).exists()
    entry = AuditEntry.objects.get(verb=Verb.USER_UPDATED)
    assert entry.reason == "调离岗位"
    assert entry.changes == {"is_active": {"old": True, "new": False}}


def test_it_refuses_to_deactivate_without_a_reason(county_admin, village_director):
    with pytest.raises(ValidationFailed) as caught:
        user_deactivate(actor=county_admin, user=village_director, reason=" ")

    assert "reason" in caught.value.errors
    assert User.objects.get(pk=village_director.pk).is_active


def test_it_refuses_an_administrator_deactivating_themselves(admin_user):
    with pytest.raises(PermissionRefused):
        user_deactivate(actor=admin_user, user=admin_user, reason="测试")

    assert User.objects.get(pk=admin_user.pk).is_active


def test_it_refuses_to_deactivate_an_account_in_another_county(county_admin, director_elsewhere):
    with pytest.raises(AccountOutsideJurisdiction):
        user_deactivate(actor=county_admin, user=director_elsewhere, reason="调离")

    assert User.objects.get(pk=director_elsewhere.pk).is_active


def test_it_reactivates_a_deactivated_account(county_admin, village_director):
    user_deactivate(actor=county_admin, user=village_director, reason="调离")

    user_reactivate(actor=county_admin, user=village_director, reason="返岗")

    assert User.objects.get(pk=village_director.pk).is_active
    assert AuditEntry.objects.filter(verb=Verb.USER_UPDATED).count() == 2


def test_a_deactivated_administrator_can_manage_nothing(admin_user, county_admin, regions):
    user_deactivate(actor=admin_user, user=county_admin, reason="调离")
    county_admin.refresh_from_db()

    with pytest.raises(NotAnAdministrator):
        create(county_admin)
