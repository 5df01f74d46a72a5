"""Every change to an account: atomic, checked against the administrator's reach, audited.

Only accounts with Perm.MANAGE_ACCOUNTS manage accounts, and only inside their own
jurisdiction: a county administrator cannot create a city analyst or edit a user of
another county. Passwords are never written to the audit log.
"""

from __future__ import annotations

from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from rest_framework.authtoken.models import Token

from hehu.accounts.errors import AccountOutsideJurisdiction, NotAnAdministrator
from hehu.accounts.models import Department, Jurisdiction, Organisation, Role, User
from hehu.accounts.permissions import Perm, has_perm
from hehu.accounts.selectors import prefix_within, regions_for_prefixes, users_manageable_by
from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.core.errors import ConcurrentEdit, PermissionRefused, ValidationFailed
from hehu.core.text import join_list

# The jurisdiction level each role works at, as prefix lengths (0 = national).
ROLE_PREFIX_LENGTHS: dict[str, frozenset[int]] = {
    Role.VILLAGE_DIRECTOR: frozenset({12}),
    Role.TOWNSHIP_SUPERVISOR: frozenset({9}),
    Role.COUNTY_CIVIL_AFFAIRS: frozenset({6}),
    Role.DEPARTMENT_OFFICER: frozenset({6}),
    Role.SOCIAL_WORKER: frozenset({6}),
    Role.CITY_ANALYST: frozenset({4}),
    Role.PROVINCE_ANALYST: frozenset({2}),
    Role.NATIONAL_ANALYST: frozenset({0}),
    # Administrators are appointed nationally or by a province, city or county.
    Role.ADMIN: frozenset({0, 2, 4, 6}),
}

_LEVEL_NAMES = {
    0: gettext_noop("全国"),
    2: gettext_noop("省级（2 位代码）"),
    4: gettext_noop("市级（4 位代码）"),
    6: gettext_noop("县级（6 位代码）"),
    9: gettext_noop("乡镇（街道）级（9 位代码）"),
    12: gettext_noop("村（社区）级（12 位代码）"),
}

Errors = dict[str, list[Any]]


def _require_manager(actor: Any) -> None:
    if not has_perm(actor, Perm.MANAGE_ACCOUNTS):
        raise NotAnAdministrator(_("只有系统管理员可以管理账号。"))


def _require_reach(actor: Any, user: User) -> None:
    if not users_manageable_by(actor=actor).filter(pk=user.pk).exists():
        raise AccountOutsideJurisdiction(_("该账号不在您的管辖范围内。"))


def normalise_prefixes(prefixes: list[str]) -> list[str]:
    """Strip, drop repeats, keep the order typed; a full 12-digit county code stays as typed."""
    seen: list[str] = []
    for raw in prefixes:
        prefix = raw.strip()
        if prefix not in seen:
            seen.append(prefix)
    return seen


def _check_prefixes(actor: Any, role: str, prefixes: list[str], errors: Errors) -> None:
    if not prefixes:
        errors.setdefault("prefixes", []).append(_("管辖范围：请至少填写一个区划代码。"))
        return
    allowed = ROLE_PREFIX_LENGTHS.get(role)
    regions = regions_for_prefixes(p for p in prefixes if p)
    for prefix in prefixes:
        if prefix and (not prefix.isdigit() or len(prefix) not in _LEVEL_NAMES):
            errors.setdefault("prefixes", []).append(
                _("管辖范围：“%(code)s”不是有效的区划代码，应为 2、4、6、9 或 12 位数字。")
                % {"code": prefix}
            )
            continue
        if prefix and prefix not in regions:
            errors.setdefault("prefixes", []).append(
                _("管辖范围：区划代码 %(code)s 不存在或已撤销。") % {"code": prefix}
            )
            continue
        if allowed is not None and len(prefix) not in allowed:
            levels = join_list(_(_LEVEL_NAMES[n]) for n in sorted(allowed))
            errors.setdefault("prefixes", []).append(
                _("管辖范围：%(code)s 与角色不符，该角色的管辖范围应为%(levels)s。")
                % {"code": prefix or _("全国"), "levels": levels}
            )
            continue
        if not prefix_within(prefix, actor.prefixes):
            errors.setdefault("prefixes", []).append(
                _("管辖范围：%(code)s 不在您的管辖范围内。") % {"code": prefix or _("全国")}
            )


def _check_role(
    actor: Any,
    role: str,
    department: str,
    organisation: Organisation | None,
    errors: Errors,
) -> str:
    """Check role, department and organisation together; return the department to store."""
    if role not in Role.values:
        errors.setdefault("role", []).append(_("角色：请选择一个角色。"))
        return department
    if department and department not in Department.values:
        errors.setdefault("department", []).append(_("部门：请从列表中选择部门。"))
    if role == Role.COUNTY_CIVIL_AFFAIRS:
        if department and department != Department.CIVIL_AFFAIRS:
            errors.setdefault("department", []).append(_("部门：县级民政干部的部门应为“民政”。"))
        department = Department.CIVIL_AFFAIRS
    elif role == Role.DEPARTMENT_OFFICER:
        if not department:
            errors.setdefault("department", []).append(
                _("部门：县级部门干部须选择所在部门（教育、公安、卫生健康等）。")
            )
        elif department == Department.CIVIL_AFFAIRS:
            errors.setdefault("department", []).append(
                _("部门：民政部门的干部请选择“县级民政干部”角色。")
            )
    if role == Role.SOCIAL_WORKER:
        if organisation is None:
            errors.setdefault("organisation", []).append(
                _("社会组织：社会组织社工须选择所属社会组织。")
            )
        elif not prefix_within(organisation.region.code, actor.prefixes):
            errors.setdefault("organisation", []).append(
                _("社会组织：该社会组织不在您的管辖范围内。")
            )
        if department:
            errors.setdefault("department", []).append(
                _("部门：社会组织社工不属于政府部门，请不要选择部门。")
            )
    elif organisation is not None:
        errors.setdefault("organisation", []).append(
            _("社会组织：只有社会组织社工需要选择社会组织。")
        )
    return department


def _check_text(full_name: str, phone: str, errors: Errors) -> None:
    if not full_name:
        errors.setdefault("full_name", []).append(_("姓名：请填写姓名。"))
    elif len(full_name) > 100:
        errors.setdefault("full_name", []).append(_("姓名：最多 100 个字。"))
    if len(phone) > 20 or any(c not in "0123456789+- " for c in phone):
        errors.setdefault("phone", []).append(
            _("电话：请填写不超过 20 位的电话号码，只用数字、空格、+ 和 -。")
        )


def _password_message(error: ValidationError) -> str:
    if error.code == "password_too_short" and error.params:
        # Django 5.2 reworded this message and its Chinese catalogue still carries the old
        # wording; asking for the old wording gets the message in the user's language.
        n = int(error.params["min_length"])
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            n,
        ) % {"min_length": n}
    return str(error.messages[0])


def _check_password(password: str, user: User, errors: Errors) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        errors.setdefault("password", []).extend(
            _("密码：%(message)s") % {"message": _password_message(e)} for e in exc.error_list
        )


def _set_jurisdictions(user: User, prefixes: list[str]) -> None:
    regions = regions_for_prefixes(p for p in prefixes if p)
    user.jurisdictions.exclude(prefix__in=prefixes).delete()
    existing = set(user.jurisdictions.values_list("prefix", flat=True))
    Jurisdiction.objects.bulk_create(
        Jurisdiction(user=user, prefix=p, region=regions.get(p))
        for p in prefixes
        if p not in existing
    )
    # User.prefixes caches per instance; the next read must see the new jurisdictions.
    user.__dict__.pop("_prefixes", None)


def _drop_credentials(user: User) -> None:
    """API tokens stop working when an account is deactivated or its password is reset."""
    Token.objects.filter(user=user).delete()


def _snapshot(user: User) -> dict[str, Any]:
    return {
        "full_name": user.full_name,
        "phone": user.phone,
        "role": user.role,
        "department": user.department,
        "organisation": user.organisation_id,
        "prefixes": sorted(user.prefixes),
        "is_active": user.is_active,
    }


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {k: {"old": before[k], "new": after[k]} for k in after if before.get(k) != after[k]}


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    full_name: str,
    role: str,
    department: str,
    organisation: Organisation | None,
    prefixes: list[str],
    password: str,
    phone: str = "",
) -> User:
    """Open an account inside the administrator's jurisdiction."""
    _require_manager(actor)
    errors: Errors = {}
    username = username.strip()
    full_name = full_name.strip()
    prefixes = normalise_prefixes(prefixes)
    if not username:
        errors.setdefault("username", []).append(_("用户名：请填写用户名。"))
    else:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            errors.setdefault("username", []).append(
                _("用户名：只能包含字母、数字和 @ . + - _ 字符。")
            )
        if len(username) > 150:
            errors.setdefault("username", []).append(_("用户名：最多 150 个字符。"))
        if User.objects.filter(username__iexact=username).exists():
            errors.setdefault("username", []).append(
                _("用户名：“%(username)s”已被使用，请换一个。") % {"username": username}
            )
    phone = phone.strip()
    _check_text(full_name, phone, errors)
    department = _check_role(actor, role, department, organisation, errors)
    _check_prefixes(actor, role, prefixes, errors)
    user = User(
        username=username,
        full_name=full_name,
        role=role,
        department=department,
        organisation=organisation,
        phone=phone,
    )
    _check_password(password, user, errors)
    if errors:
        raise ValidationFailed(errors)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save()
    _set_jurisdictions(user, prefixes)
    after = _snapshot(user)
    audit_record(
        actor=actor,
        verb=Verb.USER_CREATED,
        object_type="user",
        object_id=user.pk,
        changes={"username": {"old": None, "new": username}}
        | {k: {"old": None, "new": v} for k, v in after.items()},
    )
    return user


@transaction.atomic
def user_update(
    *,
    actor: Any,
    user: User,
    full_name: str,
    role: str,
    department: str,
    organisation: Organisation | None,
    prefixes: list[str],
    phone: str = "",
    expected_version: int | None = None,
) -> User:
    """Change an account's name, role, department or organisation and jurisdictions."""
    _require_manager(actor)
    _require_reach(actor, user)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentEdit(
            _("该账号已被他人修改，您的修改没有保存。请重新打开后再修改。"),
            field="version",
        )
    errors: Errors = {}
    full_name = full_name.strip()
    prefixes = normalise_prefixes(prefixes)
    phone = phone.strip()
    _check_text(full_name, phone, errors)
    if locked.pk == actor.pk and role != locked.role:
        errors.setdefault("role", []).append(_("角色：不能修改自己的角色。"))
    department = _check_role(actor, role, department, organisation, errors)
    _check_prefixes(actor, role, prefixes, errors)
    if errors:
        raise ValidationFailed(errors)
    before = _snapshot(locked)
    locked.full_name, locked.phone, locked.role = full_name, phone, role
    locked.department, locked.organisation = department, organisation
    _set_jurisdictions(locked, prefixes)
    changes = _diff(before, _snapshot(locked))
    if changes:
        locked.version += 1
        locked.save(
            update_fields=["full_name", "phone", "role", "department", "organisation", "version"]
        )
        audit_record(
            actor=actor,
            verb=Verb.USER_UPDATED,
            object_type="user",
            object_id=locked.pk,
            changes=changes,
        )
    return locked


@transaction.atomic
def user_set_password(*, actor: Any, user: User, password: str) -> User:
    """Set a new password: the account holder themselves, or an administrator (a reset)."""
    own = actor.is_authenticated and actor.pk == user.pk
    if not own:
        _require_manager(actor)
        _require_reach(actor, user)
    locked = User.objects.select_for_update().get(pk=user.pk)
    errors: Errors = {}
    _check_password(password, locked, errors)
    if errors:
        raise ValidationFailed(errors)
    locked.set_password(password)
    locked.password_changed_at = timezone.now()
    locked.version += 1
    locked.save(update_fields=["password", "password_changed_at", "version"])
    if not own:
        _drop_credentials(locked)
    audit_record(
        actor=actor,
        verb=Verb.USER_UPDATED,
        object_type="user",
        object_id=locked.pk,
        changes={"password": {"old": None, "new": "changed" if own else "reset"}},
    )
    return locked


@transaction.atomic
def user_deactivate(*, actor: Any, user: User, reason: str) -> User:
    """Close an account (staff left or changed post); its sessions and tokens stop working."""
    _require_manager(actor)
    _require_reach(actor, user)
    reason = reason.strip()
    if user.pk == actor.pk:
        raise PermissionRefused(_("不能停用自己的账号。"))
    if not reason:
        raise ValidationFailed({"reason": [_("停用原因：请填写停用原因。")]})
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.is_active:
        return locked
    locked.is_active = False
    locked.version += 1
    locked.save(update_fields=["is_active", "version"])
    _drop_credentials(locked)
    audit_record(
        actor=actor,
        verb=Verb.USER_UPDATED,
        object_type="user",
        object_id=locked.pk,
        changes={"is_active": {"old": True, "new": False}},
        reason=reason,
    )
    return locked


@transaction.atomic
def user_reactivate(*, actor: Any, user: User, reason: str = "") -> User:
    """Open a deactivated account again."""
    _require_manager(actor)
    _require_reach(actor, user)
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.is_active:
        return locked
    locked.is_active = True
    locked.version += 1
    locked.save(update_fields=["is_active", "version"])
    audit_record(
        actor=actor,
        verb=Verb.USER_UPDATED,
        object_type="user",
        object_id=locked.pk,
        changes={"is_active": {"old": False, "new": True}},
        reason=reason.strip(),
    )
    return locked


@transaction.atomic
def user_unlock(*, actor: Any, user: User) -> int:
    """Lift a lockout after repeated failed sign-ins; returns how many records were cleared."""
    _require_manager(actor)
    _require_reach(actor, user)
    # The username filter matters: an empty one would make axes clear every lockout.
    cleared = axes_reset(username=user.username) if user.username else 0
    audit_record(
        actor=actor,
        verb=Verb.USER_UPDATED,
        object_type="user",
        object_id=user.pk,
        changes={"locked": {"old": cleared > 0, "new": False}},
    )
    return cleared


@transaction.atomic
def admin_bootstrap(*, username: str, full_name: str, password: str) -> User:
    """Open the first national administrator, who then opens every other account.

    Run from the command line at installation (`manage.py accounts_admin_create`), never
    from a page: there is no actor yet, so the audit entry has none.
    """
    errors: Errors = {}
    username, full_name = username.strip(), full_name.strip()
    if not username:
        errors.setdefault("username", []).append(_("用户名：请填写用户名。"))
    elif User.objects.filter(username__iexact=username).exists():
        errors.setdefault("username", []).append(
            _("用户名：“%(username)s”已被使用，请换一个。") % {"username": username}
        )
    _check_text(full_name, "", errors)
    user = User(username=username, full_name=full_name, role=Role.ADMIN)
    _check_password(password, user, errors)
    if errors:
        raise ValidationFailed(errors)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save()
    _set_jurisdictions(user, [""])
    audit_record(
        actor=None,
        verb=Verb.USER_CREATED,
        object_type="user",
        object_id=user.pk,
        changes={"username": {"old": None, "new": username}}
        | {k: {"old": None, "new": v} for k, v in _snapshot(user).items()},
        reason=_("初始管理员"),
    )
    return user
