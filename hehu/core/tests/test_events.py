from __future__ import annotations

import logging

import pytest
from django.db import transaction

from hehu.core import events


@pytest.fixture
def event():
    """A private event name, its handlers removed afterwards."""
    name = "test.happened"
    yield name
    for handler in events.subscribers(name):
        events.unsubscribe(name, handler)


@pytest.mark.django_db(transaction=True)
def test_it_runs_handlers_after_the_commit_only(event):
    seen: list[int] = []
    events.subscribe(event, lambda *, n: seen.append(n))

    with transaction.atomic():
        events.publish_on_commit(event, n=1)
        assert seen == []

    assert seen == [1]


@pytest.mark.django_db(transaction=True)
def test_it_never_runs_handlers_for_a_rolled_back_change(event):
    seen: list[int] = []
    events.subscribe(event, lambda *, n: seen.append(n))

    def change_then_fail() -> None:
        with transaction.atomic():
            events.publish_on_commit(event, n=1)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        change_then_fail()

    assert seen == []


@pytest.mark.django_db(transaction=True)
def test_it_logs_a_failing_handler_and_still_runs_the_others(event, caplog):
    seen: list[int] = []

    def broken(**_: object) -> None:
        raise ValueError("boom")

    events.subscribe(event, broken)
    events.subscribe(event, lambda *, n: seen.append(n))

    with caplog.at_level(logging.ERROR, logger="hehu.core.events"), transaction.atomic():
        events.publish_on_commit(event, n=7)

    assert seen == [7]
    assert "boom" in caplog.text


def test_it_subscribes_a_handler_once(event):
    def handler(**_: object) -> None:
        return None

    events.subscribe(event, handler)
    events.subscribe(event, handler)

    assert events.subscribers(event) == (handler,)
