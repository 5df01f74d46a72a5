"""Small helpers every page uses."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from hehu.accounts.models import User
from hehu.accounts.permissions import Perm, has_perm
from hehu.regions.models import Region
from hehu.registry.models import Child
from hehu.registry.selectors import region_scope_q


class AuthedRequest(HttpRequest):
    """A request of a signed-in person (every view here is behind login_required)."""

    user: User


VILLAGE_OPTIONS_MAX = 500
# Suggestions for a household member's relation to the child: the value is stored as
# written (Chinese, as on the household register); the label follows the page language.
RELATIONS = [
    ("祖父", _("祖父")),
    ("祖母", _("祖母")),
    ("外祖父", _("外祖父")),
    ("外祖母", _("外祖母")),
    ("父亲", _("父亲")),
    ("母亲", _("母亲")),
    ("哥哥", _("哥哥")),
    ("姐姐", _("姐姐")),
    ("弟弟", _("弟弟")),
    ("妹妹", _("妹妹")),
    ("伯父", _("伯父")),
    ("叔叔", _("叔叔")),
    ("姑姑", _("姑姑")),
    ("舅舅", _("舅舅")),
    ("姨妈", _("姨妈")),
    ("继父", _("继父")),
    ("继母", _("继母")),
]


def require(user: Any, perm: Perm) -> None:
    """403 for a signed-in user whose role may not do this (least privilege)."""
    if not has_perm(user, perm):
        raise PermissionDenied


def with_file(child: Child) -> Child:
    """Load every part of the file in a fixed number of queries (no N+1 in templates)."""
    prefetch_related_objects(
        [child],
        "region",
        "hukou_region",
        "parents__conditions",
        "concerns",
        "assessed_needs",
        "receiving",
        "attachments",
        "household__members",
    )
    return child


def villages_in_reach(user: Any) -> list[tuple[str, str]]:
    """(code, name) of the villages/communities under the user's jurisdiction, for the
    region code suggestions of the registration form."""
    rows = (
        Region.objects.filter(
            region_scope_q(user.prefixes, field="code"), level=Region.Level.VILLAGE, active=True
        )
        .order_by("code")
        .values_list("code", "name")[:VILLAGE_OPTIONS_MAX]
    )
    return list(rows)


def home_village(user: Any) -> str:
    """A village director's own village code: the default residence of a new file."""
    villages = [p for p in user.prefixes if len(p) == 12]
    return villages[0] if len(villages) == 1 else ""
