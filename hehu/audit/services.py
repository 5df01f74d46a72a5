"""Writing the audit log. Every state change and every view of a child's file calls this."""

from __future__ import annotations

from typing import Any

from hehu.audit.models import AuditEntry, Verb
from hehu.core.middleware import current_ip


def audit_record(
    *,
    actor: Any,
    verb: Verb,
    object_type: str,
    object_id: object,
    child_id: int | None = None,
    changes: dict[str, Any] | None = None,
    reason: str = "",
    ip: str | None = None,
) -> AuditEntry:
    """Append one entry; the client IP comes from the current request when not given."""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        object_type=object_type,
        object_id=str(object_id),
        child_id=child_id,
        changes=changes or {},
        reason=reason,
        ip=ip or current_ip.get(),
    )


def audit_log_viewed(
    *, actor: Any, child_id: int | None = None, filters: dict[str, Any] | None = None
) -> AuditEntry:
    """Record that someone read the audit log itself (Minors' Online Protection Regs art. 36)."""
    return audit_record(
        actor=actor,
        verb=Verb.AUDIT_VIEWED,
        object_type="child" if child_id is not None else "audit_log",
        object_id=child_id if child_id is not None else "search",
        child_id=child_id,
        changes=filters,
    )
