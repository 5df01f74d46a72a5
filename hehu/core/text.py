"""Small text helpers that depend on the active language."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import get_language


def join_list(items: Iterable[object]) -> str:
    """Join items as a list in the active language: "甲、乙、丙" or "a, b, c"."""
    separator = ", " if (get_language() or "zh-hans").startswith("en") else "、"
    return separator.join(str(item) for item in items)
