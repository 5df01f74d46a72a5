"""Template helpers for Hehu pages: permissions, dates in the local convention, URLs that
belong to apps which may not be installed yet, and region paths for hover titles."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import get_language

from hehu.accounts.permissions import Perm, has_perm
from hehu.core.dates import age_on

register = template.Library()


@register.filter
def can(user: Any, perm: str) -> bool:
    """`{% if request.user|can:"edit_child" %}` — the role permission table, never a string
    comparison scattered over templates."""
    return has_perm(user, Perm(perm))


@register.filter
def hdate(value: dt.date | dt.datetime | str | None, part: str = "") -> str:
    """Dates as 2025年7月10日 in Chinese and ISO 8601 in English (UX.md, conventions).

    A date-time shows its local time too, unless `part` is "date". An ISO date string (as
    service errors carry them) is read as a date.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    chinese = (get_language() or "zh-hans").startswith("zh")
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        if part == "date":
            value = value.date()
        elif chinese:
            return formats.date_format(value, "Y年n月j日 H:i")
        else:
            return formats.date_format(value, "Y-m-d H:i")
    if chinese:
        return formats.date_format(value, "Y年n月j日")
    return value.isoformat()


@register.simple_tag
def url_if_exists(name: str, *args: Any) -> str:
    """The URL of a named route, or '' when the app that provides it is not installed, so a
    navigation link to another team's page cannot break every page before it lands."""
    try:
        return reverse(name, args=args or None)
    except NoReverseMatch:
        return ""


@register.simple_tag(takes_context=True)
def query_with(context: Any, **changes: Any) -> str:
    """The current query string with some parameters replaced (pagination links keep the
    filters)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded: str = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    if mapping is None:
        return None
    return mapping.get(key)


@register.filter
def age(birth_date: dt.date | None) -> int | str:
    """Age in full years today (周岁; reached on the birthday, DOMAIN.md §1)."""
    if birth_date is None:
        return ""
    return age_on(birth_date, timezone.localdate())


@register.filter
def programme_label(code: str) -> str:
    """The name of a benefit programme code, or the code itself when it is not known."""
    from hehu.web.forms.child import PROGRAMMES

    return str(dict(PROGRAMMES).get(code, code))


def _chinese() -> bool:
    return (get_language() or "zh-hans").startswith("zh")


@register.filter
def parens(value: Any) -> str:
    """'（祖母）' in Chinese, ' (grandmother)' in English: punctuation of the language."""
    if value in (None, ""):
        return ""
    return f"（{value}）" if _chinese() else f" ({value})"


@register.simple_tag
def colon() -> str:
    """The colon of the page language: '：' in Chinese, ': ' in English."""
    return "：" if _chinese() else ": "
