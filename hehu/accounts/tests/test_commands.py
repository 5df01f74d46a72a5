from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from hehu.accounts.models import Role, User


def test_it_creates_the_first_national_administrator(db, monkeypatch):
    monkeypatch.setenv("HEHU_ADMIN_PASSWORD", "First-admin-2026")

    call_command("accounts_admin_create", "--username", "root", "--full-name", "管理员")

    admin = User.objects.get(username="root")
    assert admin.role == Role.ADMIN
    assert admin.prefixes == [""]
    assert admin.check_password("First-admin-2026")


def test_it_refuses_a_weak_password(db, monkeypatch):
    monkeypatch.setenv("HEHU_ADMIN_PASSWORD", "admin")

    with pytest.raises(CommandError, match="密码"):
        call_command("accounts_admin_create", "--username", "root", "--full-name", "管理员")

    assert not User.objects.exists()
