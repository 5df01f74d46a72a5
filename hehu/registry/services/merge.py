"""Merging two files of the same child without losing anything from either."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from hehu.accounts.models import User
from hehu.accounts.permissions import Perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.core.errors import ApplicationError, ValidationFailed
from hehu.core.events import CHILD_CHANGED, publish_on_commit
from hehu.registry.models import (
    Attachment,
    Child,
    Household,
    HouseholdMember,
    Parent,
    ProtectionConcern,
    Receiving,
)
from hehu.registry.services._common import (
    CHILD_FIELDS,
    CONCERN_FIELDS,
    HOUSEHOLD_FIELDS,
    MEMBER_FIELDS,
    PARENT_FIELDS,
    RECEIVING_FIELDS,
    json_value,
    masked_id,
    require_perm,
    require_visible,
)

# Fields that identify the file rather than describe the child are never copied over.
_FILLABLE = tuple(f for f in CHILD_FIELDS if f not in {"no_id_reason"})


class MergeRefused(ApplicationError):
    code = "merge_refused"
    status = 409


@transaction.atomic
def children_merge(*, actor: User, survivor: Child, duplicate: Child, reason: str) -> Child:
    """Fold `duplicate` into `survivor`: move its parents, conditions, concerns, benefits,
    attachments and household members, fill the survivor's blanks, keep the conflicting
    values in the audit log, and mark the duplicate merged."""
    require_perm(actor, Perm.MERGE_CHILDREN)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": [_("合并档案须填写理由")]})
    if survivor.pk == duplicate.pk:
        raise MergeRefused(_("不能把档案与自身合并"))
    require_visible(actor, survivor)
    require_visible(actor, duplicate)
    # Lock both rows in a fixed order so two opposite merges cannot deadlock.
    locked = {
        c.pk: c
        for c in Child.objects.select_for_update()
        .filter(pk__in=[survivor.pk, duplicate.pk])
        .order_by("pk")
    }
    keep, dup = locked[survivor.pk], locked[duplicate.pk]
    if keep.id_number_index and dup.id_number_index and keep.id_number_index != dup.id_number_index:
        raise MergeRefused(_("两份档案的身份证号码不同，是两名儿童，不能合并"), field="id_number")

    filled, conflicts = _fill_blanks(keep, dup, _FILLABLE)
    if dup.id_number_index and not keep.id_number_index:
        keep.id_number_encrypted = dup.id_number_encrypted
        keep.id_number_index, keep.id_number_last4 = dup.id_number_index, dup.id_number_last4
        keep.no_id_reason = ""
        filled["id_number"] = [None, masked_id(keep)]
    moved = {
        "parents": _move_parents(keep, dup, conflicts),
        "household": _merge_household(keep, dup, filled, conflicts),
        "concerns": _move_rows(ProtectionConcern, keep, dup, CONCERN_FIELDS),
        "receiving": _move_rows(Receiving, keep, dup, RECEIVING_FIELDS),
        "attachments": Attachment.objects.filter(child=dup).update(child=keep),
    }

    dup.status, dup.merged_into = Child.Status.MERGED, keep
    dup.version += 1
    # The unique index allows one *active* file per ID number: the duplicate is retired
    # first, so the survivor can take over its number.
    dup.save()
    keep.version += 1
    keep.save()

    audit_record(
        actor=actor,
        verb=Verb.CHILD_MERGED,
        object_type="child",
        object_id=keep.pk,
        child_id=keep.pk,
        reason=reason,
        changes={"merged_from": dup.pk, "filled": filled, "conflicts": conflicts, "moved": moved},
    )
    audit_record(
        actor=actor,
        verb=Verb.CHILD_MERGED,
        object_type="child",
        object_id=dup.pk,
        child_id=dup.pk,
        reason=reason,
        changes={
            "status": [Child.Status.ACTIVE, Child.Status.MERGED],
            "merged_into": [None, keep.pk],
        },
    )
    publish_on_commit(CHILD_CHANGED, child_id=keep.pk)
    publish_on_commit(CHILD_CHANGED, child_id=dup.pk)
    return keep


def _blank(value: Any) -> bool:
    return value is None or value == "" or value is False


def _fill_blanks(
    target: Any, source: Any, fields: tuple[str, ...], prefix: str = ""
) -> tuple[dict[str, list[Any]], dict[str, Any]]:
    """Copy the source's values into the target's blank fields; return what was filled and
    the source's values that differ from the target's (kept for the record)."""
    filled: dict[str, list[Any]] = {}
    conflicts: dict[str, Any] = {}
    for field in fields:
        mine, theirs = getattr(target, field), getattr(source, field)
        if _blank(theirs) or mine == theirs:
            continue
        if _blank(mine):
            setattr(target, field, theirs)
            filled[f"{prefix}{field}"] = [json_value(mine), json_value(theirs)]
        else:
            conflicts[f"{prefix}{field}"] = json_value(theirs)
    return filled, conflicts


def _move_parents(keep: Child, dup: Child, conflicts: dict[str, Any]) -> list[str]:
    """A parent the survivor lacks moves over whole; for a parent both files have, the
    duplicate's conditions (with their evidence) move under the survivor's parent."""
    survivors = {p.role: p for p in Parent.objects.filter(child=keep)}
    moved: list[str] = []
    for parent in Parent.objects.filter(child=dup).order_by("role"):
        own = survivors.get(parent.role)
        if own is None:
            parent.child = keep
            parent.save(update_fields=["child"])
            moved.append(parent.role)
            continue
        filled, differing = _fill_blanks(own, parent, PARENT_FIELDS, f"parents[{parent.role}].")
        conflicts.update(differing)
        if filled:
            own.save()
        count = parent.conditions.update(parent=own)
        moved.append(f"{parent.role}: {count} conditions")
    return moved


def _merge_household(
    keep: Child, dup: Child, filled: dict[str, list[Any]], conflicts: dict[str, Any]
) -> str:
    if dup.household_id is None or dup.household_id == keep.household_id:
        return ""
    if keep.household_id is None:
        keep.household_id = dup.household_id
        filled["household"] = [None, dup.household_id]
        return f"household {dup.household_id}"
    own = Household.objects.select_for_update().get(pk=keep.household_id)
    theirs = Household.objects.get(pk=dup.household_id)
    more, differing = _fill_blanks(own, theirs, HOUSEHOLD_FIELDS, "household.")
    filled.update(more)
    conflicts.update(differing)
    own.save()
    existing = {_row_key(m, MEMBER_FIELDS) for m in own.members.all()}
    members = [m.pk for m in theirs.members.all() if _row_key(m, MEMBER_FIELDS) not in existing]
    count = HouseholdMember.objects.filter(pk__in=members).update(household=own)
    return f"{count} members"


def _row_key(row: Any, fields: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(getattr(row, f) for f in fields)


def _move_rows(
    model: type[ProtectionConcern] | type[Receiving],
    keep: Child,
    dup: Child,
    fields: tuple[str, ...],
) -> int:
    """Move the duplicate's rows; an exact copy of a row the survivor has stays behind
    (it is still in the merged file), so nothing is counted twice and nothing is lost."""
    existing = {_row_key(r, fields) for r in model.objects.filter(child=keep)}
    rows = [r.pk for r in model.objects.filter(child=dup) if _row_key(r, fields) not in existing]
    return model.objects.filter(pk__in=rows).update(child=keep)
