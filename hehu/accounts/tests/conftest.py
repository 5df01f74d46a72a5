"""Account-management personas: administrators at two levels, and regions they refer to."""

from __future__ import annotations

import pytest

from hehu.accounts.models import Organisation, Role
from hehu.accounts.tests.factories import make_user
from hehu.regions.tests.factories import region


@pytest.fixture
def county_admin(db):
    """An administrator of 翠屏区 (511502) only."""
    return make_user(Role.ADMIN, "511502", username="cuiping_admin")


@pytest.fixture
def other_county_admin(db):
    """An administrator of 长宁县 (511524) only."""
    return make_user(Role.ADMIN, "511524", username="changning_admin")


@pytest.fixture
def regions(db):
    """Villages, townships and counties in 翠屏区 and 长宁县, with their ancestors."""
    for code in ("511502001001", "511502001002", "511524100201"):
        region(code)
    return


@pytest.fixture
def organisation(regions):
    return Organisation.objects.create(name="翠屏区阳光社工服务中心", region=region("511502000000"))


@pytest.fixture
def organisation_elsewhere(regions):
    return Organisation.objects.create(name="长宁县启明社工服务中心", region=region("511524000000"))
