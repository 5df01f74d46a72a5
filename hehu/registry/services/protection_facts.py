"""Facts of a child's file changed by protection events (DOMAIN.md §7, §8): a reported or
substantiated concern, a revoked or restored guardianship, where and with whom the child
lives.

Each is one narrow change, made by the protection services after their own permission
checks (a police officer records a finding without being able to edit the whole file):
the actor must hold one of the protection permissions and see the child. Like every
change of the file it is audited as CHILD_UPDATED with the file's diff — the reason names
the protection matter by its number only (MPL art. 103: no narrative in the file's
history) — and announced with CHILD_CHANGED, so the child is reclassified.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.core.errors import PermissionRefused, ValidationFailed
from hehu.core.events import CHILD_CHANGED, publish_on_commit
from hehu.registry.models import (
    Child,
    GuardianRelation,
    LivingArrangement,
    Parent,
    ParentCondition,
    ProtectionConcern,
)
from hehu.registry.services._common import diff, file_snapshot, require_visible

PROTECTION_PERMS = (
    Perm.EDIT_CHILD,
    Perm.ACT_ON_REPORT,
    Perm.RECORD_REMOVAL,
    Perm.MANAGE_PLACEMENTS,
    Perm.RECORD_INTERVENTION,
)


def _locked(actor: Any, child: Child) -> Child:
    # actor None: the system (routing a report in a background task), after the protection
    # service decided the change follows from a saved report.
    if actor is not None:
        if not any(has_perm(actor, perm) for perm in PROTECTION_PERMS):
            raise PermissionRefused(_("您的账号没有执行此操作的权限"))
        require_visible(actor, child)
    return Child.objects.select_for_update().get(pk=child.pk)


def _changed(actor: Any, child: Child, before: dict[str, Any], reason: str) -> Child:
    changes = diff(before, file_snapshot(child))
    if not changes:
        return child
    child.version += 1
    child.save(update_fields=["version", "updated_at"])
    audit_record(
        actor=actor,
        verb=Verb.CHILD_UPDATED,
        object_type="child",
        object_id=child.pk,
        child_id=child.pk,
        changes=changes,
        reason=reason.strip(),
    )
    publish_on_commit(CHILD_CHANGED, child_id=child.pk)
    return child


@transaction.atomic
def child_concern_record(
    *,
    actor: Any,
    child: Child,
    type: str,
    since: dt.date | None,
    substantiated: bool,
    reason: str,
) -> Child:
    """Add the concern (type, since) to the file, or mark the one there substantiated.

    A concern already substantiated stays so: a later report that is not substantiated
    does not undo an earlier finding.
    """
    if type not in ProtectionConcern.Type.values:
        raise ValidationFailed({"type": [_("保护关切类型不正确：%s") % type]})
    locked = _locked(actor, child)
    before = file_snapshot(locked)
    existing = ProtectionConcern.objects.filter(child=locked, type=type, since=since).first()
    if existing is None:
        ProtectionConcern.objects.create(
            child=locked, type=type, since=since, substantiated=substantiated
        )
    elif substantiated and not existing.substantiated:
        existing.substantiated = True
        existing.save(update_fields=["substantiated"])
    return _changed(actor, locked, before, reason)


@transaction.atomic
def parent_guardianship_revoked(
    *, actor: Any, child: Child, role: str, on: dt.date, reference: str, reason: str
) -> Child:
    """A court revoked the parent's guardianship on `on` (judgment `reference`)."""
    locked = _locked(actor, child)
    parent = Parent.objects.filter(child=locked, role=role).first()
    if parent is None:
        raise ValidationFailed(
            {"guardian_role": [_("档案中没有登记该父母一方，请先在档案中登记父母情况")]}
        )
    before = file_snapshot(locked)
    already = parent.conditions.filter(
        type=ParentCondition.Type.GUARDIANSHIP_REVOKED, until__isnull=True
    ).exists()
    if not already:
        ParentCondition.objects.create(
            parent=parent,
            type=ParentCondition.Type.GUARDIANSHIP_REVOKED,
            on=on,
            evidence_kind=ParentCondition.Evidence.JUDGMENT if reference else "",
            evidence_reference=reference.strip(),
        )
    return _changed(actor, locked, before, reason)


@transaction.atomic
def parent_guardianship_restored(
    *, actor: Any, child: Child, role: str, on: dt.date, reason: str
) -> Child:
    """A court restored the parent's guardianship on `on`: the revocation ends then."""
    locked = _locked(actor, child)
    before = file_snapshot(locked)
    ParentCondition.objects.filter(
        parent__child=locked,
        parent__role=role,
        type=ParentCondition.Type.GUARDIANSHIP_REVOKED,
        until__isnull=True,
    ).update(until=on)
    return _changed(actor, locked, before, reason)


@transaction.atomic
def child_care_set(
    *,
    actor: Any,
    child: Child,
    living_arrangement: str,
    reason: str,
    guardian_relation: str | None = None,
    guardian_name: str | None = None,
    guardian_able_to_care: bool | None = None,
) -> Child:
    """Where and with whom the child lives now (a placement, a return, long-term care)."""
    errors: dict[str, list[str]] = {}
    if living_arrangement not in LivingArrangement.values:
        errors["living_arrangement"] = [_("居住情况不正确：%s") % living_arrangement]
    if guardian_relation is not None and guardian_relation not in GuardianRelation.values:
        errors["guardian_relation"] = [_("监护人关系不正确：%s") % guardian_relation]
    if errors:
        raise ValidationFailed(errors)
    locked = _locked(actor, child)
    before = file_snapshot(locked)
    locked.living_arrangement = living_arrangement
    fields = ["living_arrangement"]
    if guardian_relation is not None:
        locked.guardian_relation = guardian_relation
        fields.append("guardian_relation")
    if guardian_name is not None:
        locked.guardian_name = guardian_name.strip()
        fields.append("guardian_name")
    if guardian_able_to_care is not None:
        locked.guardian_able_to_care = guardian_able_to_care
        fields.append("guardian_able_to_care")
    locked.save(update_fields=fields)
    return _changed(actor, locked, before, reason)
