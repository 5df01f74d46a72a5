"""The account a registry command acts as: the same permissions, jurisdiction and audit as
that person has in the web UI and the API."""

from __future__ import annotations

from django.core.management.base import CommandError

from hehu.accounts.models import User


def actor_named(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"没有名为 {username} 的有效账号")
    return user
