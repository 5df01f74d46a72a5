"""The administrator's account pages and everyone's "my account" page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from hehu.accounts.models import Department, Role, User
from hehu.accounts.services import user_update
from hehu.accounts.tests.factories import DEFAULT_PASSWORD, make_user
from hehu.audit.models import AuditEntry, Verb

NEW_PASSWORD = "Cuiping-2026-safe"


def create_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "username": "wangli",
        "full_name": "王丽",
        "phone": "13800000000",
        "role": Role.VILLAGE_DIRECTOR,
        "department": "",
        "organisation": "",
        "prefixes": "511502001001",
        "password": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def edit_data(user: User, **overrides: Any) -> dict[str, Any]:
    data = {
        "full_name": user.full_name,
        "phone": user.phone,
        "role": user.role,
        "department": user.department,
        "organisation": user.organisation_id or "",
        "prefixes": "\n".join(p for p in user.prefixes if p),
        "version": user.version,
    }
    if "" in user.prefixes:
        data["national"] = "on"
    data.update(overrides)
    return data


# --- who may open the pages ---------------------------------------------------------------


ADMIN_PAGES = [
    ("accounts:list", False),
    ("accounts:create", False),
    ("accounts:regions_lookup", False),
    ("accounts:edit", True),
    ("accounts:reset_password", True),
    ("accounts:deactivate", True),
]


def page_url(name: str, needs_pk: bool, pk: int) -> str:
    return reverse(name, args=[pk]) if needs_pk else reverse(name)


@pytest.mark.parametrize(("name", "needs_pk"), ADMIN_PAGES)
def test_it_refuses_the_admin_pages_to_a_county_officer_with_403(
    client, county_officer, village_director, name, needs_pk
):
    client.force_login(county_officer)

    response = client.get(page_url(name, needs_pk, village_director.pk))

    assert response.status_code == 403


@pytest.mark.parametrize(("name", "needs_pk"), ADMIN_PAGES)
def test_it_sends_an_anonymous_visitor_to_sign_in(client, village_director, name, needs_pk):
    response = client.get(page_url(name, needs_pk, village_director.pk))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


@pytest.mark.parametrize(("name", "needs_pk"), [p for p in ADMIN_PAGES if p[1]])
def test_it_hides_an_account_of_another_county_with_404(
    client, county_admin, director_elsewhere, name, needs_pk
):
    client.force_login(county_admin)

    response = client.get(page_url(name, needs_pk, director_elsewhere.pk))

    assert response.status_code == 404


@pytest.mark.parametrize("name", ["accounts:unlock", "accounts:reactivate"])
def test_it_refuses_the_actions_on_another_countys_account_and_changes_nothing(
    client, county_admin, director_elsewhere, name
):
    client.force_login(county_admin)

    response = client.post(reverse(name, args=[director_elsewhere.pk]))

    assert response.status_code == 404
    assert not AuditEntry.objects.exists()


# --- the list ---------------------------------------------------------------------------


def test_it_lists_only_accounts_inside_the_admins_county(
    client, county_admin, village_director, township_supervisor, director_elsewhere, admin_user
):
    client.force_login(county_admin)

    response = client.get(reverse("accounts:list"))

    listed = {u.username for u in response.context["page"].object_list}
    assert listed == {"cuiping_admin", "director", "supervisor"}


def test_it_lists_every_account_for_a_national_admin(
    client, admin_user, village_director, director_elsewhere
):
    client.force_login(admin_user)

    response = client.get(reverse("accounts:list"))

    listed = {u.username for u in response.context["page"].object_list}
    assert {"admin", "director", "elsewhere"} <= listed


def test_it_searches_by_name_and_filters_by_role(
    client, county_admin, village_director, township_supervisor
):
    User.objects.filter(pk=village_director.pk).update(full_name="李春梅")
    client.force_login(county_admin)

    by_name = client.get(reverse("accounts:list"), {"q": "春梅"})
    by_role = client.get(reverse("accounts:list"), {"role": Role.TOWNSHIP_SUPERVISOR})

    assert [u.username for u in by_name.context["page"].object_list] == ["director"]
    assert [u.username for u in by_role.context["page"].object_list] == ["supervisor"]
    assert "李春梅" in by_name.content.decode()


def test_it_filters_deactivated_accounts(
    client, county_admin, village_director, township_supervisor
):
    User.objects.filter(pk=village_director.pk).update(is_active=False)
    client.force_login(county_admin)

    response = client.get(reverse("accounts:list"), {"status": "inactive"})

    assert [u.username for u in response.context["page"].object_list] == ["director"]
    assert "已停用" in response.content.decode()


def test_it_lists_in_a_constant_number_of_queries(
    client, county_admin, django_assert_max_num_queries
):
    for n in range(30):
        make_user(Role.VILLAGE_DIRECTOR, "511502001001", username=f"d{n:02}")
    client.force_login(county_admin)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("accounts:list"))

    assert len(response.context["page"].object_list) == 25


# --- creating ---------------------------------------------------------------------------


def test_it_creates_an_account_and_opens_it(client, county_admin, regions):
    client.force_login(county_admin)

    response = client.post(reverse("accounts:create"), create_data())

    user = User.objects.get(username="wangli")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:edit", args=[user.pk])
    assert user.prefixes == ["511502001001"]
    assert user.check_password(NEW_PASSWORD)
    assert AuditEntry.objects.filter(verb=Verb.USER_CREATED, actor=county_admin).exists()


def test_it_accepts_several_codes_and_a_full_county_code(client, admin_user, regions):
    client.force_login(admin_user)

    client.post(
        reverse("accounts:create"),
        create_data(
            role=Role.DEPARTMENT_OFFICER,
            department=Department.EDUCATION,
            prefixes="511502000000，511524",
        ),
    )

    assert User.objects.get(username="wangli").prefixes == ["511502", "511524"]


def test_it_shows_every_error_linked_from_a_summary_and_keeps_what_was_typed(
    client, county_admin, regions
):
    client.force_login(county_admin)

    response = client.post(
        reverse("accounts:create"),
        create_data(
            role=Role.DEPARTMENT_OFFICER,
            prefixes="511502\n511524",
            password="short",
            password2="short",
        ),
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert not User.objects.filter(username="wangli").exists()
    assert 'class="hh-error-summary"' in html
    assert 'href="#id_department"' in html
    assert 'href="#id_prefixes"' in html
    assert 'href="#id_password"' in html
    assert "管辖范围：511524 不在您的管辖范围内。" in html
    assert 'id="id_prefixes_error"' in html
    assert 'aria-invalid="true"' in html
    # What was typed is still there (but never the password).
    assert 'value="wangli"' in html
    assert 'value="王丽"' in html
    assert "511502\n511524</textarea>" in html
    assert 'value="short"' not in html


def test_it_refuses_two_different_passwords(client, county_admin, regions):
    client.force_login(county_admin)

    response = client.post(reverse("accounts:create"), create_data(password2="Other-2026-pass"))

    assert response.status_code == 400
    assert "两次输入的密码不一致" in response.content.decode()
    assert not User.objects.filter(username="wangli").exists()


def test_it_names_the_regions_typed(client, county_admin, regions):
    client.force_login(county_admin)

    response = client.get(reverse("accounts:regions_lookup"), {"prefixes": "511502, 511502001399"})

    html = response.content.decode()
    assert "翠屏区" in html
    assert "未找到该区划" in html


# --- editing ----------------------------------------------------------------------------


def test_it_changes_the_role_and_jurisdiction(client, county_admin, village_director, regions):
    client.force_login(county_admin)

    response = client.post(
        reverse("accounts:edit", args=[village_director.pk]),
        edit_data(village_director, role=Role.TOWNSHIP_SUPERVISOR, prefixes="511502001"),
    )

    changed = User.objects.get(pk=village_director.pk)
    assert response.status_code == 302
    assert changed.role == Role.TOWNSHIP_SUPERVISOR
    assert changed.prefixes == ["511502001"]


def test_it_shows_the_current_jurisdictions_with_region_names(
    client, county_admin, village_director
):
    client.force_login(county_admin)

    html = client.get(reverse("accounts:edit", args=[village_director.pk])).content.decode()

    assert "区划511502001001" in html
    assert "511502001001</textarea>" in html


def test_it_refuses_an_edit_made_on_an_old_copy_and_keeps_both(
    client, county_admin, village_director
):
    client.force_login(county_admin)
    stale = edit_data(village_director, full_name="王小丽")
    user_update(
        actor=county_admin,
        user=village_director,
        full_name="李春梅",
        role=village_director.role,
        department="",
        organisation=None,
        prefixes=["511502001001"],
    )

    response = client.post(reverse("accounts:edit", args=[village_director.pk]), stale)

    assert response.status_code == 400
    assert "已被他人修改" in response.content.decode()
    assert 'value="王小丽"' in response.content.decode()
    assert User.objects.get(pk=village_director.pk).full_name == "李春梅"


def test_it_refuses_to_edit_another_countys_account_and_changes_nothing(
    client, county_admin, director_elsewhere
):
    client.force_login(county_admin)

    response = client.post(
        reverse("accounts:edit", args=[director_elsewhere.pk]),
        edit_data(director_elsewhere, full_name="改名"),
    )

    assert response.status_code == 404
    assert User.objects.get(pk=director_elsewhere.pk).full_name != "改名"


# --- password reset, deactivation, unlock -----------------------------------------------


def test_it_resets_a_password(client, county_admin, village_director):
    client.force_login(county_admin)

    response = client.post(
        reverse("accounts:reset_password", args=[village_director.pk]),
        {"password": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    village_director.refresh_from_db()
    assert response.status_code == 302
    assert village_director.check_password(NEW_PASSWORD)


def test_it_refuses_a_weak_reset_password_next_to_the_field(client, county_admin, village_director):
    client.force_login(county_admin)

    response = client.post(
        reverse("accounts:reset_password", args=[village_director.pk]),
        {"password": "1234567890", "password2": "1234567890"},
    )

    assert response.status_code == 400
    assert "密码：" in response.content.decode()
    village_director.refresh_from_db()
    assert village_director.check_password(DEFAULT_PASSWORD)


def test_it_deactivates_with_a_reason(client, county_admin, village_director):
    client.force_login(county_admin)

    response = client.post(
        reverse("accounts:deactivate", args=[village_director.pk]), {"reason": "退休"}
    )

    assert response.status_code == 302
    assert not User.objects.get(pk=village_director.pk).is_active
    assert AuditEntry.objects.get(verb=Verb.USER_UPDATED).reason == "退休"


def test_it_asks_for_the_reason_before_deactivating(client, county_admin, village_director):
    client.force_login(county_admin)

    response = client.post(
        reverse("accounts:deactivate", args=[village_director.pk]), {"reason": ""}
    )

    assert response.status_code == 400
    assert "停用原因：请填写停用原因。" in response.content.decode()
    assert User.objects.get(pk=village_director.pk).is_active


def test_it_reactivates(client, county_admin, village_director):
    User.objects.filter(pk=village_director.pk).update(is_active=False)
    client.force_login(county_admin)

    client.post(reverse("accounts:reactivate", args=[village_director.pk]))

    assert User.objects.get(pk=village_director.pk).is_active


def test_it_shows_a_locked_account_and_unlocks_it(client, county_admin, village_director):
    for _ in range(5):
        client.post(reverse("web:login"), {"username": "director", "password": "wrong-1234"})
    client.force_login(county_admin)
    assert "已锁定" in client.get(reverse("accounts:list")).content.decode()

    response = client.post(reverse("accounts:unlock", args=[village_director.pk]))

    assert response.status_code == 302
    assert "已锁定" not in client.get(reverse("accounts:list")).content.decode()


# --- my account -------------------------------------------------------------------------


def test_everyone_sees_their_own_account(client, village_director):
    client.force_login(village_director)

    html = client.get(reverse("accounts:password")).content.decode()

    assert "儿童主任" in html
    assert "511502001001" in html


def test_it_changes_ones_own_password_and_stays_signed_in(client, village_director):
    client.force_login(village_director)

    response = client.post(
        reverse("accounts:password"),
        {"old_password": DEFAULT_PASSWORD, "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    village_director.refresh_from_db()
    assert response.status_code == 302
    assert village_director.check_password(NEW_PASSWORD)
    assert client.get(reverse("accounts:password")).status_code == 200


def test_it_refuses_a_wrong_current_password(client, village_director):
    client.force_login(village_director)

    response = client.post(
        reverse("accounts:password"),
        {"old_password": "not-my-password", "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 400
    assert "当前密码：不正确" in response.content.decode()
    village_director.refresh_from_db()
    assert village_director.check_password(DEFAULT_PASSWORD)
