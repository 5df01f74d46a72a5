"""Reads of accounts: which accounts an administrator may manage, lockout state, regions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from operator import or_
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.accounts.models import Jurisdiction, Organisation, User
from hehu.accounts.permissions import Perm, has_perm, perms_of
from hehu.regions.codes import InvalidRegionCode, full_code
from hehu.regions.models import Region


def prefix_within(prefix: str, reach: Iterable[str]) -> bool:
    """True when the region `prefix` lies inside one of the `reach` prefixes ('' = national)."""
    return any(prefix.startswith(outer) for outer in reach)


def _prefix_q(prefixes: list[str], *, field: str) -> Q:
    if not prefixes:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{field}__startswith": p}) for p in prefixes))


def users_manageable_by(*, actor: Any) -> QuerySet[User]:
    """Accounts an administrator may see and change: every jurisdiction inside the actor's.

    A national administrator (empty prefix) manages every account, including accounts
    without a jurisdiction; anyone else manages only accounts whose every jurisdiction lies
    inside theirs, so a county administrator cannot touch a city or national account.
    """
    if not has_perm(actor, Perm.MANAGE_ACCOUNTS):
        return User.objects.none()
    reach = list(actor.prefixes)
    if "" in reach:
        return User.objects.all()
    has_any = Jurisdiction.objects.filter(user=OuterRef("pk"))
    outside = has_any.exclude(_prefix_q(reach, field="prefix"))
    return User.objects.filter(Exists(has_any)).exclude(Exists(outside))


def user_list(*, actor: Any, query: str = "", role: str = "", status: str = "") -> QuerySet[User]:
    """The administrator's account list, searchable by username, name or phone."""
    users = users_manageable_by(actor=actor)
    if query:
        users = users.filter(
            Q(username__icontains=query)
            | Q(full_name__icontains=query)
            | Q(phone__icontains=query)
            | Q(jurisdictions__prefix__startswith=query)
        ).distinct()
    if role:
        users = users.filter(role=role)
    if status == "active":
        users = users.filter(is_active=True)
    elif status == "inactive":
        users = users.filter(is_active=False)
    return (
        users.select_related("organisation")
        .prefetch_related(
            Prefetch("jurisdictions", queryset=Jurisdiction.objects.select_related("region"))
        )
        .order_by("username")
    )


def organisations_available_to(*, actor: Any) -> QuerySet[Organisation]:
    """Organisations whose region lies inside the administrator's jurisdiction."""
    if not has_perm(actor, Perm.MANAGE_ACCOUNTS):
        return Organisation.objects.none()
    reach = list(actor.prefixes)
    orgs = Organisation.objects.select_related("region").order_by("name")
    if "" in reach:
        return orgs
    return orgs.filter(_prefix_q(reach, field="region__code"))


def region_for_prefix(prefix: str) -> Region | None:
    """The current region a jurisdiction prefix denotes; None if it is unknown or malformed."""
    try:
        code = full_code(prefix)
    except InvalidRegionCode:
        return None
    return Region.objects.filter(code=code, active=True).first()


def regions_for_prefixes(prefixes: Iterable[str]) -> dict[str, Region]:
    """Current regions for the given prefixes, keyed by prefix (unknown ones are absent)."""
    codes: dict[str, str] = {}
    for prefix in prefixes:
        try:
            codes[full_code(prefix)] = prefix
        except InvalidRegionCode:
            continue
    found = Region.objects.filter(code__in=codes, active=True)
    return {codes[r.code]: r for r in found}


def _locked_attempts() -> QuerySet[AccessAttempt]:
    limit = settings.AXES_FAILURE_LIMIT
    since: datetime = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(failures_since_start__gte=limit, attempt_time__gte=since)


def locked_usernames(usernames: Iterable[str]) -> set[str]:
    """Which of these usernames are locked out now by repeated failed sign-ins."""
    names = [u for u in usernames if u]
    if not names:
        return set()
    return set(_locked_attempts().filter(username__in=names).values_list("username", flat=True))


def user_is_locked(*, user: User) -> bool:
    return bool(locked_usernames([user.username]))


@dataclass(frozen=True)
class JurisdictionView:
    prefix: str
    region_code: str
    region_name: str


def jurisdictions_of(*, user: User) -> list[JurisdictionView]:
    """The account's jurisdictions with region names; the national level has no code."""
    rows = sorted(user.jurisdictions.all(), key=lambda j: j.prefix)
    result = []
    for row in rows:
        if row.prefix == "":
            result.append(JurisdictionView(prefix="", region_code="", region_name=_("全国")))
        else:
            name = row.region.name if row.region is not None else ""
            code = row.region.code if row.region is not None else full_code(row.prefix)
            result.append(JurisdictionView(prefix=row.prefix, region_code=code, region_name=name))
    return result


def permissions_of(*, user: User) -> list[str]:
    """The permissions the account's role grants, sorted (empty for a deactivated account)."""
    if not user.is_active:
        return []
    return sorted(str(p) for p in perms_of(user))
