"""Sign-in protection: lockout after repeated failures (django-axes), its cool-off and
unlock, session expiry after inactivity, deactivated accounts."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse

from hehu.accounts.selectors import user_is_locked
from hehu.accounts.services import user_deactivate, user_unlock
from hehu.accounts.tests.factories import DEFAULT_PASSWORD
from hehu.audit.models import AuditEntry, Verb

START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
LOCKED = "登录失败次数过多，账号已暂时锁定"


def sign_in(client, username: str, password: str):
    return client.post(reverse("web:login"), {"username": username, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail(client, username: str, times: int) -> list[int]:
    return [sign_in(client, username, "wrong-password-1").status_code for _ in range(times)]


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_it_locks_the_account_on_the_fifth_wrong_password(client, village_director, frozen):
    statuses = fail(client, "director", settings.AXES_FAILURE_LIMIT)

    assert statuses == [200, 200, 200, 200, 429]


def test_a_locked_account_is_refused_even_with_the_right_password(client, village_director, frozen):
    fail(client, "director", 5)

    response = sign_in(client, "director", DEFAULT_PASSWORD)

    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert "15 分钟" in response.content.decode()
    assert not signed_in(client)


def test_four_wrong_passwords_do_not_lock(client, village_director, frozen):
    fail(client, "director", 4)

    response = sign_in(client, "director", DEFAULT_PASSWORD)

    assert response.status_code == 302
    assert signed_in(client)


def test_a_successful_sign_in_clears_earlier_failures(client, village_director, frozen):
    fail(client, "director", 4)
    sign_in(client, "director", DEFAULT_PASSWORD)
    client.logout()

    statuses = fail(client, "director", 4)

    assert 429 not in statuses


def test_the_lock_is_per_account_not_per_address(
    client, village_director, township_supervisor, frozen
):
    fail(client, "director", 5)

    response = sign_in(client, "supervisor", DEFAULT_PASSWORD)

    assert response.status_code == 302


def test_the_lock_ends_after_the_cool_off(client, village_director, frozen):
    fail(client, "director", 5)

    frozen.move_to(START + timedelta(minutes=14, seconds=59))
    assert user_is_locked(user=village_director)

    frozen.move_to(START + timedelta(minutes=15, seconds=1))
    assert not user_is_locked(user=village_director)
    response = sign_in(client, "director", DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_an_administrator_unlocks_the_account(client, village_director, admin_user, frozen):
    fail(client, "director", 5)

    cleared = user_unlock(actor=admin_user, user=village_director)

    assert cleared == 1
    assert not AccessAttempt.objects.filter(username="director").exists()
    assert sign_in(client, "director", DEFAULT_PASSWORD).status_code == 302
    entry = AuditEntry.objects.get(verb=Verb.USER_UPDATED, object_id=str(village_director.pk))
    assert entry.changes == {"locked": {"old": True, "new": False}}


def test_unlocking_one_account_leaves_other_locks(
    client, village_director, township_supervisor, admin_user, frozen
):
    fail(client, "director", 5)
    fail(client, "supervisor", 5)

    user_unlock(actor=admin_user, user=village_director)

    assert sign_in(client, "supervisor", DEFAULT_PASSWORD).status_code == 429


def test_a_colleague_cannot_unlock_an_account(client, village_director, county_officer, frozen):
    from hehu.accounts.errors import NotAnAdministrator

    fail(client, "director", 5)

    with pytest.raises(NotAnAdministrator):
        user_unlock(actor=county_officer, user=village_director)

    assert sign_in(client, "director", DEFAULT_PASSWORD).status_code == 429


def test_a_deactivated_account_cannot_sign_in(client, village_director, admin_user):
    user_deactivate(actor=admin_user, user=village_director, reason="调离岗位")

    response = sign_in(client, "director", DEFAULT_PASSWORD)

    assert response.status_code == 200
    assert not signed_in(client)


def test_deactivation_ends_a_session_already_open(client, village_director, admin_user):
    sign_in(client, "director", DEFAULT_PASSWORD)
    assert client.get(reverse("accounts:password")).status_code == 200

    user_deactivate(actor=admin_user, user=village_director, reason="调离岗位")

    response = client.get(reverse("accounts:password"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_a_session_expires_after_inactivity(client, village_director, frozen):
    sign_in(client, "director", DEFAULT_PASSWORD)
    assert client.get(reverse("accounts:password")).status_code == 200

    frozen.move_to(START + timedelta(seconds=settings.SESSION_COOKIE_AGE + 1))
    response = client.get(reverse("accounts:password"))

    assert response.status_code == 302
    assert response["Location"] == reverse("web:login") + "?next=" + reverse("accounts:password")


def test_activity_keeps_the_session_alive(client, village_director, frozen):
    age = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    sign_in(client, "director", DEFAULT_PASSWORD)

    frozen.move_to(START + age * 2 / 3)
    assert client.get(reverse("accounts:password")).status_code == 200
    frozen.move_to(START + age * 4 / 3)

    assert client.get(reverse("accounts:password")).status_code == 200
