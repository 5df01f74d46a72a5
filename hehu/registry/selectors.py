"""Every read of children that crosses a user's jurisdiction goes through here."""

from __future__ import annotations

import datetime as dt
import re
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.accounts.models import Role
from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import AuditEntry, Verb
from hehu.core.crypto import blind_index
from hehu.core.dates import latest_birth_date_for_age
from hehu.core.errors import ValidationFailed
from hehu.registry.idnumber import looks_like_id_number, normalise_id_number
from hehu.registry.models import Child
from hehu.registry.names import name_key

_PREFIX_RE = re.compile(r"^\d{0,12}$")
_PINYIN_RE = re.compile(r"^[a-z]+$")
MAX_AGE = 150


def region_scope_q(prefixes: list[str], *, field: str = "region__code") -> Q:
    """A Q object for 'region code starts with one of these prefixes'.

    The empty prefix (national jurisdiction) matches everything; no prefixes match nothing.
    `field` must hold full 12-digit codes: a prefix is turned into the range of codes it
    covers ('511502' → '511502000000'…'511502999999'), which any B-tree index serves in
    any collation and in code order — unlike LIKE, which on PostgreSQL needs a
    pattern_ops index and cannot then return rows already sorted by region.
    """
    if not prefixes:
        return Q(pk__in=[])
    if "" in prefixes:
        return Q()
    return reduce(
        or_,
        (
            Q(**{f"{field}__gte": p.ljust(12, "0"), f"{field}__lte": p.ljust(12, "9")})
            for p in prefixes
        ),
    )


def children_visible_to(*, user: Any) -> QuerySet[Child]:
    """The active children whose files this user may open: role permits, region in reach."""
    if not has_perm(user, Perm.VIEW_CHILD):
        return Child.objects.none()
    if user.role == Role.SOCIAL_WORKER:
        # Social workers see children referred to their organisation only (services issue).
        return Child.objects.none()
    return Child.objects.filter(region_scope_q(user.prefixes), status=Child.Status.ACTIVE)


# What a row of the list shows (web page and API): loading only these columns makes the
# page query cheaper to build, send and turn into objects than all 33 of a file.
LIST_ROW_FIELDS = (
    "id",
    "name",
    "sex",
    "birth_date",
    "region__name",
    "living_arrangement",
    "disability_category",
    "id_number_last4",
    "version",
)


def children_search(
    *,
    user: Any,
    q: str = "",
    region_prefix: str = "",
    age_min: int | None = None,
    age_max: int | None = None,
    living_arrangement: str = "",
    disability: str = "",
    as_of: dt.date | None = None,
) -> QuerySet[Child]:
    """Children visible to the user matching every filter given, by region then name.

    `q` is an ID number (exact, through the blind index) when it looks like one, else part
    of a name — as typed, in its folded form (張偉 finds 张伟) or in pinyin ("zhangwei").
    Ages are in full years on `as_of` (today by default), age N reached on the birthday.
    `disability` is "any", "none" or a disability category.
    """
    queryset = children_visible_to(user=user)
    _check_filters(region_prefix=region_prefix, age_min=age_min, age_max=age_max)
    q = (q or "").strip()
    if q and looks_like_id_number(q):
        queryset = queryset.filter(
            id_number_index=blind_index(normalise_id_number(q), purpose="id_number")
        )
    elif q:
        queryset = queryset.filter(_name_q(q))
    if region_prefix:
        queryset = queryset.filter(region_scope_q([region_prefix]))
    as_of = as_of or timezone.localdate()
    if age_min is not None:
        queryset = queryset.filter(birth_date__lte=latest_birth_date_for_age(age_min, as_of))
    if age_max is not None:
        queryset = queryset.filter(birth_date__gt=latest_birth_date_for_age(age_max + 1, as_of))
    if living_arrangement:
        queryset = queryset.filter(living_arrangement=living_arrangement)
    if disability == "any":
        queryset = queryset.exclude(disability_category="")
    elif disability == "none":
        queryset = queryset.filter(disability_category="")
    elif disability:
        queryset = queryset.filter(disability_category=disability)
    return queryset.order_by("region_id", "name", "pk")


def _name_q(q: str) -> Q:
    condition = Q(name__contains=q)
    key = name_key(q)
    if key:
        condition |= Q(name_key__contains=key)
    if _PINYIN_RE.match(key):
        condition |= Q(name_pinyin__startswith=key)
    return condition


def _check_filters(*, region_prefix: str, age_min: int | None, age_max: int | None) -> None:
    errors: dict[str, list[Any]] = {}
    if not _PREFIX_RE.match(region_prefix or ""):
        errors["region_prefix"] = [_("区划代码前缀应为不超过12位的数字")]
    for field, value in (("age_min", age_min), ("age_max", age_max)):
        if value is not None and not 0 <= value <= MAX_AGE:
            errors[field] = [_("年龄应在0至%(max)d岁之间") % {"max": MAX_AGE}]
    if not errors and age_min is not None and age_max is not None and age_min > age_max:
        errors["age_max"] = [_("最大年龄不能小于最小年龄")]
    if errors:
        raise ValidationFailed(errors)


HISTORY_VERBS = (Verb.CHILD_CREATED, Verb.CHILD_UPDATED, Verb.CHILD_MERGED)


# The reasons protection services write into a file's history (hehu.protection): the
# matter named by its number only.
PROTECTION_REASON_PREFIXES = ("强制报告 ", "安置 ", "结束安置 ", "监护干预措施 ")
PROTECTION_PATHS = ("concerns[",)


def sees_protection(user: Any) -> bool:
    """Whether the user may learn that a child is in a protection matter (MPL art. 103):
    the casework roles and the bodies that act on protection — not, say, an education or
    health officer who follows the county's children."""
    return has_perm(user, Perm.VIEW_PROTECTION) or has_perm(user, Perm.VIEW_CASE_NOTES)


def child_history(*, child: Child, user: Any = None) -> QuerySet[AuditEntry]:
    """The file's changes, newest first: created, updated and merged — including the
    history of files merged into this one, so nothing recorded about the child is lost.
    For a `user` who may not learn of protection matters, the changes protection made
    are left out (see `history_changes_for` for the concerns in other changes)."""
    # One query: the files' ids come from a subquery (the file and those merged into it).
    files = Child.objects.filter(Q(pk=child.pk) | Q(merged_into=child)).values("pk")
    entries = AuditEntry.objects.filter(child_id__in=files, verb__in=HISTORY_VERBS)
    if user is not None and not sees_protection(user):
        for prefix in PROTECTION_REASON_PREFIXES:
            entries = entries.exclude(reason__startswith=prefix)
    return entries.select_related("actor").order_by("-at", "-id")


def history_changes_for(user: Any, changes: Any) -> Any:
    """An entry's changes as `user` may see them: without the protection concerns for a
    user who may not learn of protection matters."""
    if not isinstance(changes, dict) or sees_protection(user):
        return changes
    return {k: v for k, v in changes.items() if not str(k).startswith(PROTECTION_PATHS)}
