"""Access to one account by an administrator: 404 whether it is hidden or missing."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from hehu.accounts.models import User
from hehu.accounts.selectors import users_manageable_by


def access_user_by_id(actor: Any, user_id: int | str, *, for_update: bool = False) -> User:
    try:
        pk = int(user_id)
    except (TypeError, ValueError):
        raise Http404 from None
    queryset = users_manageable_by(actor=actor)
    if for_update:
        queryset = queryset.select_for_update()
    try:
        return queryset.get(pk=pk)
    except User.DoesNotExist:
        raise Http404 from None
