"""The authentication backend reads a signed-in user's jurisdictions with the user."""

from __future__ import annotations

import pytest

from hehu.accounts.backends import JurisdictionModelBackend
from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "prefixes",
    [("511502001001",), ("511524", "511502"), ("",), ("", "51"), ()],
    ids=["village", "two-counties", "national", "national-and-province", "none"],
)
def test_it_loads_the_user_with_exactly_their_prefixes(prefixes, django_assert_num_queries):
    user = make_user(Role.COUNTY_CIVIL_AFFAIRS, *prefixes)

    with django_assert_num_queries(1):
        loaded = JurisdictionModelBackend().get_user(user.pk)
        assert loaded is not None
        assert loaded.prefixes == sorted(prefixes)

    assert loaded == user
    assert not hasattr(loaded, "joined_prefixes")


def test_it_refuses_a_deactivated_or_missing_user():
    user = make_user(Role.VILLAGE_DIRECTOR, "511502001001", is_active=False)

    assert JurisdictionModelBackend().get_user(user.pk) is None
    assert JurisdictionModelBackend().get_user(user.pk + 1000) is None


def test_a_reloaded_user_sees_changed_jurisdictions():
    user = make_user(Role.COUNTY_CIVIL_AFFAIRS, "511502")
    loaded = JurisdictionModelBackend().get_user(user.pk)
    assert loaded is not None
    assert loaded.prefixes == ["511502"]
    user.jurisdictions.all().delete()

    loaded.refresh_from_db()

    assert loaded.prefixes == []
