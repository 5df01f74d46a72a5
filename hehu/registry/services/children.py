"""Registering and keeping a child's file (一人一档): create, update, view, reveal the ID."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from hehu.accounts.models import Role, User
from hehu.accounts.permissions import Perm
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.core.crypto import decrypt, encrypt
from hehu.core.errors import ApplicationError, ConcurrentEdit, PermissionRefused, ValidationFailed
from hehu.core.events import CHILD_CHANGED, publish_on_commit
from hehu.registry.data import ChildData
from hehu.registry.duplicates import child_with_id_index, id_number_index, likely_duplicates
from hehu.registry.errors import DuplicateIdNumber, LikelyDuplicates
from hehu.registry.models import Child
from hehu.registry.selectors import children_visible_to
from hehu.registry.services._common import (
    CHILD_FIELDS,
    diff,
    file_snapshot,
    in_reach,
    require_perm,
    require_visible,
    set_fields,
    write_concerns,
    write_household,
    write_parents,
    write_receiving,
)
from hehu.registry.services._validation import CleanChild, validate_child


@transaction.atomic
def child_register(*, actor: User, data: ChildData, confirm_not_duplicate: bool = False) -> Child:
    """Create a child's file with its household, parents, concerns and benefits."""
    require_perm(actor, Perm.REGISTER_CHILD)
    clean = validate_child(data)
    if not in_reach(actor, clean.region.code):
        raise PermissionRefused(_("现居住地不在您的管辖范围内"), field="region_code")
    index = id_number_index(clean.id_number.number) if clean.id_number else None
    if index is not None:
        _refuse_duplicate_id(actor, index, exclude_pk=None)
    if not confirm_not_duplicate:
        _refuse_likely_duplicates(actor, clean, has_id_number=index is not None)
    child = Child(created_by=actor)
    _apply(child, clean)
    _save_refusing_duplicate_id(actor, child, index)
    _write_nested(child, clean)
    changes = {k: [None, v] for k, v in file_snapshot(child).items() if v not in (None, "")}
    audit_record(
        actor=actor,
        verb=Verb.CHILD_CREATED,
        object_type="child",
        object_id=child.pk,
        child_id=child.pk,
        changes=changes,
    )
    publish_on_commit(CHILD_CHANGED, child_id=child.pk)
    return child


@transaction.atomic
def child_update(
    *, actor: User, child: Child, data: ChildData, expected_version: int, reason: str = ""
) -> Child:
    """Replace the file's contents with `data` if nobody saved it since `expected_version`.

    Lists (parents, conditions, concerns, benefits, household members) are replaced by the
    ones given; `data.household` None leaves the household as it is; `id_number` None with
    `keep_id_number` keeps the stored number.
    """
    require_perm(actor, Perm.EDIT_CHILD)
    require_visible(actor, child)
    # Lock the row so two saves cannot both pass the version check.
    locked = Child.objects.select_for_update().get(pk=child.pk)
    if locked.version != expected_version:
        raise ConcurrentEdit(_("该档案已被他人修改，请刷新后重新编辑；您的修改尚未保存。"))
    clean = validate_child(data, existing=locked)
    if clean.region.code != locked.region_id and not _may_move_to(actor, clean.region.code):
        raise PermissionRefused(
            _("新的现居住地不在您的管辖范围内，请联系县级民政部门办理迁移"), field="region_code"
        )
    index = id_number_index(clean.id_number.number) if clean.id_number else None
    if index is not None and index != locked.id_number_index:
        _refuse_duplicate_id(actor, index, exclude_pk=locked.pk)
    before, old_index = file_snapshot(locked), locked.id_number_index
    _apply(locked, clean)
    _write_nested(locked, clean)
    changes = diff(before, file_snapshot(locked))
    if index is not None and index != old_index and "id_number" not in changes:
        # Same last four characters, different number: still a change to record.
        changes["id_number"] = [before["id_number"], before["id_number"] + " (changed)"]
    if not changes:
        return locked
    locked.version += 1
    _save_refusing_duplicate_id(actor, locked, index if index != old_index else None)
    audit_record(
        actor=actor,
        verb=Verb.CHILD_UPDATED,
        object_type="child",
        object_id=locked.pk,
        child_id=locked.pk,
        changes=changes,
        reason=reason.strip(),
    )
    publish_on_commit(CHILD_CHANGED, child_id=locked.pk)
    return locked


def _may_move_to(actor: User, region_code: str) -> bool:
    """A file may move to a region the actor covers; a county civil-affairs officer may also
    hand a file over to another jurisdiction (the child moved away)."""
    return in_reach(actor, region_code) or actor.role == Role.COUNTY_CIVIL_AFFAIRS


@transaction.atomic
def child_reveal_id_number(*, actor: User, child: Child, reason: str) -> str:
    """The full ID number, for a stated reason that goes into the audit log (PIPL art. 28)."""
    require_perm(actor, Perm.REVEAL_ID_NUMBER)
    require_visible(actor, child)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": [_("查看完整身份证号码须填写理由")]})
    if not child.id_number_encrypted:
        raise ApplicationError(_("该儿童没有登记身份证号码"), field="id_number")
    number = decrypt(child.id_number_encrypted)
    audit_record(
        actor=actor,
        verb=Verb.CHILD_ID_REVEALED,
        object_type="child",
        object_id=child.pk,
        child_id=child.pk,
        reason=reason,
    )
    return number


def child_record_view(*, actor: User, child: Child) -> None:
    """Log that the actor opened the file (Minors' Online Protection Regulations art. 36)."""
    audit_record(
        actor=actor,
        verb=Verb.CHILD_VIEWED,
        object_type="child",
        object_id=child.pk,
        child_id=child.pk,
    )


def _apply(child: Child, clean: CleanChild) -> None:
    set_fields(child, clean.data, CHILD_FIELDS)
    child.region = clean.region
    child.hukou_region = clean.hukou_region
    child.name_key = clean.name_key
    child.name_pinyin = clean.name_pinyin
    if clean.id_number is not None:
        child.id_number_encrypted = encrypt(clean.id_number.number)
        child.id_number_index = id_number_index(clean.id_number.number)
        child.id_number_last4 = clean.id_number.last4
    elif not clean.keep_id_number:
        child.id_number_encrypted, child.id_number_index, child.id_number_last4 = "", None, ""


def _write_nested(child: Child, clean: CleanChild) -> None:
    if clean.data.household is not None:
        write_household(child, clean.data.household)
    write_parents(child, clean.data.parents)
    write_concerns(child, clean.data.concerns)
    write_receiving(child, clean.data.receiving)


def _save_refusing_duplicate_id(actor: User, child: Child, new_index: str | None) -> None:
    """Save the file; refuse it as a duplicate if the unique index on the ID number does.

    The check before saving cannot see a registration of the same number that has not
    committed yet: our write then waits for it and fails on `unique_active_id_number` once
    it commits. Saving in a savepoint keeps the outer transaction usable, so the check can
    run again, now seeing the other file, and give the same answer as if it had come first.
    """
    try:
        with transaction.atomic():
            child.save()
    except IntegrityError:
        if new_index is not None:
            _refuse_duplicate_id(actor, new_index, exclude_pk=child.pk)
        raise


def _refuse_duplicate_id(actor: User, index: str, *, exclude_pk: int | None) -> None:
    existing = child_with_id_index(index, exclude_pk=exclude_pk)
    if existing is None:
        return
    if children_visible_to(user=actor).filter(pk=existing.pk).exists():
        raise DuplicateIdNumber(
            _("该身份证号码已登记（档案编号 %(id)s），请打开已有档案核对，不要重复登记")
            % {"id": existing.pk},
            existing_child_id=existing.pk,
        )
    raise DuplicateIdNumber(
        _("该身份证号码已在其他辖区登记，请联系县级民政部门核实"), existing_child_id=None
    )


def _refuse_likely_duplicates(actor: User, clean: CleanChild, *, has_id_number: bool) -> None:
    found = likely_duplicates(
        key=clean.name_key,
        pinyin=clean.name_pinyin,
        birth_date=clean.data.birth_date,
        region_code=clean.region.code,
        has_id_number=has_id_number,
    )
    if not found.exists():
        return
    visible = children_visible_to(user=actor).filter(pk__in=found.values("pk"))
    candidates = [_candidate(c) for c in visible.order_by("pk")[:20]]
    if candidates:
        message = _(
            "已有 %(n)d 份姓名相近、出生日期相同的档案，请先核对是否为同一儿童；"
            "确认不是同一儿童后再保存"
        ) % {"n": len(candidates)}
    else:
        # The likely match lies outside the actor's reach: say where to ask, show nothing.
        message = _(
            "本县其他辖区已登记姓名相近、出生日期相同的儿童，请联系县级民政部门核实；"
            "确认不是同一儿童后再保存"
        )
    raise LikelyDuplicates(message, candidates=candidates)


def _candidate(child: Child) -> dict[str, Any]:
    return {
        "id": child.pk,
        "name": child.name,
        "sex": child.sex,
        "birth_date": child.birth_date.isoformat(),
        "region_code": child.region_id,
        "id_number_masked": child.id_number_masked,
    }
