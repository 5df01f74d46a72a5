"""In-process events between apps: one app says what happened, others react after commit.

    subscribe("child.changed", on_child_changed)          # in the subscriber's AppConfig.ready()
    publish_on_commit("child.changed", child_id=child.pk)  # in the publishing service

Why an explicit event and not a `post_save` signal: a child's file is written as many rows
(child, household, parents, conditions, concerns, benefits) and a `post_save` on any one of
them fires before the others are saved, once per row, and also for saves that are not a
change of the file (bulk loads, migrations, fixtures). The registry service knows when the
*file* has changed, and says so once, by name; the reader of that service sees the
consequence is there (CONVENTIONS.md: no post_save receivers for domain flow). And the
registry need not import the policy app: it names an event, whoever cares subscribes.

Handlers run after the transaction commits (at once when there is none), so they see the
saved file and never run for a change that was rolled back. A failing handler is logged
and swallowed: the change it reacts to is already saved and stays saved, and the other
handlers still run.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

Handler = Callable[..., Any]

_handlers: defaultdict[str, list[Handler]] = defaultdict(list)

CHILD_CHANGED = "child.changed"
# A child entered categories (payload: child_id, categories, on as ISO date).
CATEGORIES_ENTERED = "child.categories_entered"
# The county approved a recognition application (payload: application_id, child_id).
RECOGNITION_APPROVED = "recognition.approved"
# A visit found the child's support did not (fully) reach the child (payload: visit_id,
# child_id).
SUPPORT_NOT_REACHED = "visit.support_not_reached"


def subscribe(event: str, handler: Handler) -> None:
    """Call `handler(**payload)` after each commit that published `event` (once per handler)."""
    if handler not in _handlers[event]:
        _handlers[event].append(handler)


def unsubscribe(event: str, handler: Handler) -> None:
    if handler in _handlers[event]:
        _handlers[event].remove(handler)


def subscribers(event: str) -> tuple[Handler, ...]:
    return tuple(_handlers[event])


def publish_on_commit(event: str, **payload: Any) -> None:
    """Run the event's handlers once the current transaction has committed."""
    transaction.on_commit(lambda: _dispatch(event, payload))


def _dispatch(event: str, payload: dict[str, Any]) -> None:
    for handler in tuple(_handlers[event]):
        try:
            handler(**payload)
        except Exception:
            logger.exception("handler %r of event %s failed (payload %r)", handler, event, payload)
