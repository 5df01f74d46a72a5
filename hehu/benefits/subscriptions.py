"""What benefits react to (subscribed in BenefitsConfig.ready).

- The county approved a recognition (orphan, de facto unattended): the child is enrolled
  from the month after confirmation. Idempotent; a failure is logged by the event bus and
  the officer can enrol the child by hand.
- A visit found the support did not (fully) reach the child: an anomaly on the county's
  work list.
"""

from __future__ import annotations

from typing import Any

from hehu.core.events import RECOGNITION_APPROVED, SUPPORT_NOT_REACHED, subscribe


def recognition_approved(*, application_id: int, **_extra: Any) -> None:
    from hehu.benefits.services.enrolments import enrol_from_recognition

    enrol_from_recognition(application_id=application_id)


def visit_found_support_not_reached(*, visit_id: int, **_extra: Any) -> None:
    from hehu.benefits.anomalies.service import support_not_reached

    support_not_reached(visit_id=visit_id)


def subscribe_all() -> None:
    subscribe(RECOGNITION_APPROVED, recognition_approved)
    subscribe(SUPPORT_NOT_REACHED, visit_found_support_not_reached)
