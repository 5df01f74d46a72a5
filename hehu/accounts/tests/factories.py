from __future__ import annotations

from typing import Any

import factory

from hehu.accounts.models import Jurisdiction, Role, User
from hehu.regions.codes import full_code
from hehu.regions.tests.factories import region

DEFAULT_PASSWORD = "Hehu-test-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    role = Role.VILLAGE_DIRECTOR
    department = ""
    password = factory.django.Password(DEFAULT_PASSWORD)


def make_user(role: str, *prefixes: str, department: str = "", **kwargs: Any) -> User:
    """A user with the given role and jurisdictions (region code prefixes; '' = national)."""
    user = UserFactory(role=role, department=department, **kwargs)
    for prefix in prefixes:
        reg = region(full_code(prefix)) if prefix else None
        Jurisdiction.objects.create(user=user, prefix=prefix, region=reg)
    return user
