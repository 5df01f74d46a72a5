"""Audit entries for tests, written through the real `audit_record` service."""

from __future__ import annotations

from typing import Any

from hehu.audit.models import AuditEntry, Verb
from hehu.audit.services import audit_record


def record(actor: Any, verb: Verb, *, child: Any = None, **kwargs: Any) -> AuditEntry:
    """One entry about `child` (if given) by `actor`, as the registry services write it."""
    if child is not None:
        kwargs.setdefault("object_type", "child")
        kwargs.setdefault("object_id", child.pk)
        kwargs.setdefault("child_id", child.pk)
    kwargs.setdefault("object_type", "user")
    kwargs.setdefault("object_id", getattr(actor, "pk", ""))
    return audit_record(actor=actor, verb=verb, **kwargs)
