from __future__ import annotations

import pytest

from hehu.accounts.demo import DEMO_ACCOUNTS, demo_accounts_markdown, demo_users_create
from hehu.accounts.errors import DemoRegionsMissing
from hehu.accounts.models import Department, Role, User
from hehu.audit.models import AuditEntry, Verb
from hehu.regions.tests.factories import region

PASSWORD = "Hehu-demo-2026"


@pytest.fixture
def demo_regions(db):
    for code in ("511502001001", "511524100201"):
        region(code)


def test_it_creates_one_account_per_role(demo_regions):
    users = demo_users_create(password=PASSWORD)

    assert {u.role for u in users} == set(Role.values)
    assert [u.username for u in users] == [a.username for a in DEMO_ACCOUNTS]
    by_name = {u.username: u for u in users}
    assert by_name["director"].prefixes == ["511502001001"]
    assert by_name["director2"].prefixes == ["511524100201"]
    assert by_name["supervisor"].prefixes == ["511502001"]
    assert by_name["county"].department == Department.CIVIL_AFFAIRS
    assert by_name["police"].department == Department.PUBLIC_SECURITY
    assert by_name["education"].department == Department.EDUCATION
    assert by_name["socialworker"].organisation.region.code == "511502000000"
    assert by_name["city_analyst"].prefixes == ["5115"]
    assert by_name["province_analyst"].prefixes == ["51"]
    assert by_name["national_analyst"].prefixes == [""]
    assert by_name["admin"].prefixes == [""]
    assert all(u.check_password(PASSWORD) for u in users)
    assert AuditEntry.objects.filter(verb=Verb.USER_CREATED).count() == len(DEMO_ACCOUNTS)


def test_running_it_again_changes_nothing(demo_regions):
    first = demo_users_create(password=PASSWORD)

    second = demo_users_create(password="Other-demo-2026")

    assert [u.pk for u in second] == [u.pk for u in first]
    assert User.objects.get(username="director").check_password(PASSWORD)


def test_it_refuses_to_run_before_the_regions_are_loaded(db):
    region("511502001001")

    with pytest.raises(DemoRegionsMissing) as caught:
        demo_users_create(password=PASSWORD)

    assert "511524100201" in str(caught.value.message)
    assert not User.objects.exists()


def test_the_demo_password_must_meet_the_policy(demo_regions):
    from hehu.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        demo_users_create(password="demo")

    assert not User.objects.exists()


def test_the_readme_table_lists_every_demo_account():
    table = demo_accounts_markdown()

    for account in DEMO_ACCOUNTS:
        assert f"| `{account.username}` | {account.role.label} ({account.role.value}) |" in table
