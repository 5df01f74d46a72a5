"""Idle expiry without a write on every request: an unchanged session's expiry moves at
most once per HEHU_SESSION_REFRESH_SECONDS (hehu.accounts.middleware)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hehu.accounts.tests.factories import DEFAULT_PASSWORD

START = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PAGE = "accounts:password"


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def signed_in(client, village_director, frozen):
    client.post(reverse("web:login"), {"username": "director", "password": DEFAULT_PASSWORD})
    assert "_auth_user_id" in client.session
    return client


def expiry(client) -> datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def session_writes(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse(PAGE)).status_code == 200
    return sum(
        1
        for q in captured
        if "django_session" in q["sql"] and not q["sql"].lstrip().startswith("SELECT")
    )


def test_it_does_not_write_the_session_again_within_the_interval(signed_in, frozen):
    signed_at = expiry(signed_in)
    frozen.move_to(START + timedelta(seconds=settings.HEHU_SESSION_REFRESH_SECONDS - 1))

    assert session_writes(signed_in) == 0
    assert expiry(signed_in) == signed_at


def test_it_moves_the_expiry_once_the_interval_has_passed(signed_in, frozen):
    later = START + timedelta(seconds=settings.HEHU_SESSION_REFRESH_SECONDS + 1)
    frozen.move_to(later)

    assert session_writes(signed_in) == 1
    assert expiry(signed_in) == later + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert session_writes(signed_in) == 0


def test_an_idle_session_lasts_its_age_less_at_most_one_interval(signed_in, frozen):
    age = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    interval = timedelta(seconds=settings.HEHU_SESSION_REFRESH_SECONDS)
    last_request = START + interval - timedelta(seconds=1)
    frozen.move_to(last_request)
    assert signed_in.get(reverse(PAGE)).status_code == 200  # not written: too soon

    frozen.move_to(last_request + age - interval)
    assert signed_in.get(reverse(PAGE)).status_code == 200
    frozen.move_to(last_request + age - interval + age + timedelta(seconds=1))

    assert signed_in.get(reverse(PAGE)).status_code == 302


def test_a_signed_out_visitor_gets_no_session_row(client, db):
    assert client.get(reverse("web:login")).status_code == 200

    assert Session.objects.count() == 0
