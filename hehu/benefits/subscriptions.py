"""What benefits react to (subscribed in BenefitsConfig.ready).

- The county approved a recognition (orphan, de facto unattended): the child is enrolled
  from the month after confirmation. Idempotent; a failure is logged by the event bus and
  the officer can enrol the child by hand.
"""

from __future__ import annotations

from typing import Any

from hehu.core.events import RECOGNITION_APPROVED, subscribe


def recognition_approved(*, application_id: int, **_extra: Any) -> None:
    from hehu.benefits.services.enrolments import enrol_from_recognition

    enrol_from_recognition(application_id=application_id)


def subscribe_all() -> None:
    subscribe(RECOGNITION_APPROVED, recognition_approved)
