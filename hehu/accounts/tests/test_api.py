"""The accounts API: tokens (with lockout), me, and account management."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from hehu.accounts.models import Department, Organisation, Role, User
from hehu.accounts.tests.factories import DEFAULT_PASSWORD, make_user
from hehu.audit.models import AuditEntry, Verb

TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/me/"
USERS = "/api/v1/users/"
NEW_PASSWORD = "Cuiping-2026-safe"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def as_user(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def new_user(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "username": "wangli",
        "full_name": "王丽",
        "role": Role.VILLAGE_DIRECTOR,
        "prefixes": ["511502001001"],
        "password": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def token_for(api: APIClient, username: str, password: str):
    return api.post(TOKEN, {"username": username, "password": password}, format="json")


# --- tokens -----------------------------------------------------------------------------


def test_it_issues_a_token_that_signs_requests(api, village_director):
    response = token_for(api, "director", DEFAULT_PASSWORD)

    assert response.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api.get(ME).json()["username"] == "director"


def test_it_refuses_a_wrong_password_without_a_token(api, village_director):
    response = token_for(api, "director", "wrong-password-1")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert not Token.objects.exists()


def test_it_locks_the_token_endpoint_after_five_failures(api, village_director):
    statuses = [token_for(api, "director", "wrong-password-1").status_code for _ in range(5)]

    response = token_for(api, "director", DEFAULT_PASSWORD)

    assert statuses == [400, 400, 400, 400, 429]
    assert response.status_code == 429
    assert response.json()["code"] == "account_locked"
    assert "登录失败次数过多" in response.json()["message"]
    assert not Token.objects.exists()


def test_failures_on_the_page_and_the_api_add_up(api, client, village_director):
    for _ in range(3):
        client.post("/login/", {"username": "director", "password": "wrong-password-1"})
    token_for(api, "director", "wrong-password-1")

    assert token_for(api, "director", "wrong-password-1").status_code == 429


def test_an_administrator_unlocks_through_the_api(api, village_director, admin_user):
    for _ in range(5):
        token_for(api, "director", "wrong-password-1")

    response = as_user(admin_user).post(f"{USERS}{village_director.pk}/unlock/")

    assert response.status_code == 200
    assert response.json()["locked"] is False
    assert token_for(api, "director", DEFAULT_PASSWORD).status_code == 200


def test_a_deactivated_account_gets_no_token(api, village_director):
    User.objects.filter(pk=village_director.pk).update(is_active=False)

    assert token_for(api, "director", DEFAULT_PASSWORD).status_code == 400


def test_it_revokes_the_token(api, village_director):
    key = token_for(api, "director", DEFAULT_PASSWORD).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert api.delete(TOKEN).status_code == 204

    assert not Token.objects.filter(key=key).exists()
    assert api.get(ME).status_code in (401, 403)


def test_a_token_stops_working_when_the_account_is_deactivated(api, village_director, admin_user):
    key = token_for(api, "director", DEFAULT_PASSWORD).json()["token"]

    as_user(admin_user).post(
        f"{USERS}{village_director.pk}/deactivate/", {"reason": "调离"}, format="json"
    )

    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(ME).status_code in (401, 403)


# --- me ---------------------------------------------------------------------------------


def test_me_shows_role_department_jurisdictions_and_permissions(police_officer):
    data = as_user(police_officer).get(ME).json()

    assert data["role"] == Role.DEPARTMENT_OFFICER
    assert data["department"] == Department.PUBLIC_SECURITY
    assert data["jurisdictions"] == [
        {"prefix": "511502", "region_code": "511502000000", "region_name": "翠屏区"}
    ]
    assert data["permissions"] == [
        "act_on_report",
        "file_report",
        "open_case",
        "record_intervention",
        "record_removal",
        "reveal_reporter",
        "view_case",
        "view_child",
        "view_policy",
        "view_protection",
        "view_reports",
        "view_worklist",
    ]


def test_me_shows_the_national_level(admin_user):
    data = as_user(admin_user).get(ME).json()

    assert data["jurisdictions"] == [{"prefix": "", "region_code": "", "region_name": "全国"}]
    assert "manage_accounts" in data["permissions"]


def test_me_needs_a_signed_in_user(api):
    assert api.get(ME).status_code in (401, 403)


# --- users ------------------------------------------------------------------------------


def test_it_lists_the_accounts_in_the_admins_county(
    county_admin, village_director, director_elsewhere, django_assert_max_num_queries
):
    for n in range(5):
        make_user(Role.VILLAGE_DIRECTOR, "511502001001", username=f"d{n}")

    with django_assert_max_num_queries(8):
        response = as_user(county_admin).get(USERS)

    usernames = {u["username"] for u in response.json()["results"]}
    assert "director" in usernames
    assert "elsewhere" not in usernames
    assert response.json()["count"] == 7


def test_it_filters_the_list_by_role_and_search(county_admin, village_director, police_officer):
    client = as_user(county_admin)

    by_role = client.get(USERS, {"role": Role.DEPARTMENT_OFFICER}).json()["results"]
    by_q = client.get(USERS, {"q": "direct"}).json()["results"]

    assert [u["username"] for u in by_role] == ["police"]
    assert [u["username"] for u in by_q] == ["director"]


def test_it_creates_an_account(county_admin, regions):
    response = as_user(county_admin).post(USERS, new_user(), format="json")

    assert response.status_code == 201
    assert response.json()["jurisdictions"][0]["prefix"] == "511502001001"
    user = User.objects.get(username="wangli")
    assert user.check_password(NEW_PASSWORD)
    assert AuditEntry.objects.filter(verb=Verb.USER_CREATED, object_id=str(user.pk)).exists()
    assert "password" not in response.json()


def test_it_creates_a_social_worker_of_an_organisation(county_admin, organisation):
    response = as_user(county_admin).post(
        USERS,
        new_user(role=Role.SOCIAL_WORKER, organisation=organisation.pk, prefixes=["511502"]),
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["organisation"] == {"id": organisation.pk, "name": organisation.name}


def test_it_refuses_an_organisation_outside_reach(county_admin, organisation_elsewhere):
    response = as_user(county_admin).post(
        USERS,
        new_user(
            role=Role.SOCIAL_WORKER, organisation=organisation_elsewhere.pk, prefixes=["511502"]
        ),
        format="json",
    )

    assert response.status_code == 400
    assert "organisation" in response.json()["errors"]
    assert not User.objects.filter(username="wangli").exists()


def test_it_refuses_bad_input_naming_each_field(county_admin, regions):
    response = as_user(county_admin).post(
        USERS,
        new_user(role=Role.TOWNSHIP_SUPERVISOR, prefixes=["511524100"], password="abc"),
        format="json",
    )

    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "validation_failed"
    assert set(body["errors"]) == {"prefixes", "password"}
    assert body["errors"]["prefixes"] == ["管辖范围：511524100 不在您的管辖范围内。"]
    assert not User.objects.filter(username="wangli").exists()


def test_it_answers_in_english_when_asked(county_admin, regions):
    response = as_user(county_admin).post(
        USERS, new_user(password="Short1a"), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert any("too short" in m for m in response.json()["errors"]["password"])


def test_it_refuses_account_management_to_others_with_403(county_officer, village_director):
    client = as_user(county_officer)

    assert client.get(USERS).status_code == 403
    assert client.post(USERS, new_user(), format="json").status_code == 403
    assert client.get(f"{USERS}{village_director.pk}/").status_code == 403
    assert not User.objects.filter(username="wangli").exists()


def test_it_shows_one_account(county_admin, village_director):
    response = as_user(county_admin).get(f"{USERS}{village_director.pk}/")

    assert response.status_code == 200
    assert response.json()["role_display"] == "儿童主任"
    assert response.json()["version"] == 1


def test_it_patches_only_the_fields_given(county_admin, village_director, regions):
    response = as_user(county_admin).patch(
        f"{USERS}{village_director.pk}/", {"full_name": "李春梅", "version": 1}, format="json"
    )

    assert response.status_code == 200
    user = User.objects.get(pk=village_director.pk)
    assert user.full_name == "李春梅"
    assert user.prefixes == ["511502001001"]
    assert user.version == 2


def test_it_patches_the_role_and_jurisdiction_together(county_admin, village_director, regions):
    response = as_user(county_admin).patch(
        f"{USERS}{village_director.pk}/",
        {"role": Role.TOWNSHIP_SUPERVISOR, "prefixes": ["511502001"]},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["jurisdictions"][0]["prefix"] == "511502001"


def test_it_refuses_a_patch_on_an_old_version_with_409(county_admin, village_director):
    client = as_user(county_admin)
    client.patch(f"{USERS}{village_director.pk}/", {"full_name": "李春梅"}, format="json")

    response = client.patch(
        f"{USERS}{village_director.pk}/", {"full_name": "王小丽", "version": 1}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "concurrent_edit"
    assert User.objects.get(pk=village_director.pk).full_name == "李春梅"


def test_it_resets_a_password_through_the_api(county_admin, village_director):
    response = as_user(county_admin).post(
        f"{USERS}{village_director.pk}/password/", {"password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 200
    assert User.objects.get(pk=village_director.pk).check_password(NEW_PASSWORD)


def test_it_deactivates_and_reactivates_through_the_api(county_admin, village_director):
    client = as_user(county_admin)

    without_reason = client.post(f"{USERS}{village_director.pk}/deactivate/", {}, format="json")
    deactivated = client.post(
        f"{USERS}{village_director.pk}/deactivate/", {"reason": "退休"}, format="json"
    )
    assert without_reason.status_code == 400
    assert deactivated.json()["is_active"] is False

    reactivated = client.post(f"{USERS}{village_director.pk}/reactivate/", {}, format="json")
    assert reactivated.json()["is_active"] is True


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("patch", "", {"full_name": "改名"}),
        ("post", "password/", {"password": NEW_PASSWORD}),
        ("post", "deactivate/", {"reason": "调离"}),
        ("post", "reactivate/", {}),
        ("post", "unlock/", None),
    ],
)
def test_an_account_of_another_county_is_404_and_unchanged(
    county_admin, director_elsewhere, method, suffix, body
):
    client = as_user(county_admin)

    response = getattr(client, method)(
        f"{USERS}{director_elsewhere.pk}/{suffix}", body, format="json"
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    unchanged = User.objects.get(pk=director_elsewhere.pk)
    assert unchanged.full_name == director_elsewhere.full_name
    assert unchanged.is_active
    assert unchanged.check_password(DEFAULT_PASSWORD)
    assert not AuditEntry.objects.exists()


def test_a_missing_account_is_404_too(county_admin):
    assert as_user(county_admin).get(f"{USERS}999999/").status_code == 404


def test_the_schema_documents_the_accounts_endpoints(api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/json")

    paths = schema.json()["paths"]
    for path in [TOKEN, ME, USERS, "/api/v1/users/{id}/", "/api/v1/users/{id}/unlock/"]:
        assert path in paths


def test_an_organisation_is_needed_only_for_social_workers_via_api(county_admin, regions):
    org = Organisation.objects.create(name="测试社工机构", region_id="511502000000")

    response = as_user(county_admin).post(USERS, new_user(organisation=org.pk), format="json")

    assert response.status_code == 400
    assert "organisation" in response.json()["errors"]
