"""Shared people and texts for the lifecycle tests (no tests here).

Policy officers: two at the national level, two in Sichuan (51), one in Guangdong (44).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hehu.accounts.models import Role
from hehu.accounts.tests.factories import make_user
from hehu.policy.services.policies import policies_in_force

NATIONAL_FILE = Path(__file__).resolve().parents[3] / "policies" / "cn-national.yaml"


def national_text(version: str = "2027.1", effective_from: str = "2027-01-01") -> str:
    """The shipped national policy as a new version starting on another date."""
    text = NATIONAL_FILE.read_text(encoding="utf-8")
    text = text.replace('version: "2026.1"', f'version: "{version}"', 1)
    return text.replace("effective_from: 2016-06-13", f"effective_from: {effective_from}", 1)


def override_text(
    province: str = "51",
    version: str = "2026.1",
    dibao: str = "760.0",
    effective_from: str = "2026-01-01",
) -> str:
    return f"""hehu_policy: 1
id: cn-{province}
version: "{version}"
jurisdiction: "{province}"
extends: cn-national@2026.1
effective_from: {effective_from}
effective_to: null
title: {{zh: 省级困境儿童认定, en: Children in distress (province {province})}}
parameters:
  dibao_line:
    type: double
    label: {{zh: 低保标准（元/人/月）, en: dibao line}}
    values:
      - value: {dibao}
"""


MALFORMED = """hehu_policy: 1
id: cn-51
version: "2026.2"
jurisdiction: "51"
extends: cn-national@2026.1
effective_from: 2026-01-01
effective_to: null
title: {zh: 四川, en: Sichuan}
predicates:
  no_means_of_living:
    label: {zh: 无生活来源, en: no means of living}
    when: household.income_per_capita < params.no_such_line
"""


@pytest.fixture
def shipped(db):
    """The shipped national policy stored as approved (cn-national@2026.1)."""
    policies_in_force()


@pytest.fixture
def national_officer(db):
    return make_user(Role.NATIONAL_ANALYST, "", username="nat_officer")


@pytest.fixture
def national_reviewer(db):
    return make_user(Role.NATIONAL_ANALYST, "", username="nat_reviewer")


@pytest.fixture
def sichuan_officer(db):
    return make_user(Role.PROVINCE_ANALYST, "51", username="sc_officer")


@pytest.fixture
def sichuan_reviewer(db):
    return make_user(Role.PROVINCE_ANALYST, "51", username="sc_reviewer")


@pytest.fixture
def guangdong_officer(db):
    return make_user(Role.PROVINCE_ANALYST, "44", username="gd_officer")
