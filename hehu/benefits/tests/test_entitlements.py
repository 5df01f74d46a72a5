"""A child's entitlements for a month: start after confirmation, highest only, top-up
(DOMAIN.md §5 and §10 scenarios 1 and 4), on the shipped standards (Yibin demo)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from hehu.benefits.catalogue import DEFAULT_DIR
from hehu.benefits.standards import Standards, load_standards
from hehu.benefits.standards.entitlements import Received, month_entitlements

POLICY = DEFAULT_DIR.parent / "cn-national.yaml"
YIBIN = "511502001001"


@pytest.fixture(scope="module")
def shipped() -> Standards:
    return load_standards(DEFAULT_DIR, policy_file=POLICY)


def paid(result) -> dict[str, Decimal]:
    return {e.programme: e.monthly_amount for e in result.paid}


def test_scenario_1_pays_1651_from_the_month_after_confirmation(shipped: Standards) -> None:
    # Applied 2025-04-01; the county confirmed on 2025-05-20.
    confirmed = {"de_facto_unattended": dt.date(2025, 5, 20)}
    may = month_entitlements(
        standards=shipped,
        region_code=YIBIN,
        month=dt.date(2025, 5, 1),
        categories=["de_facto_unattended"],
        living_arrangement="with_relatives",
        confirmed_on=confirmed,
    )
    assert paid(may) == {}
    assert "2025年6月起" in may.passed[0].reason.zh
    june = month_entitlements(
        standards=shipped,
        region_code=YIBIN,
        month=dt.date(2025, 6, 1),
        categories=["de_facto_unattended"],
        living_arrangement="with_relatives",
        confirmed_on=confirmed,
    )
    assert paid(june) == {"de_facto_unattended": Decimal("1651.00")}


def test_an_unconfirmed_orphan_is_not_paid_yet(shipped: Standards) -> None:
    result = month_entitlements(
        standards=shipped,
        region_code=YIBIN,
        month=dt.date(2026, 3, 1),
        categories=["orphan"],
        living_arrangement="with_relatives",
    )
    assert paid(result) == {}
    assert result.passed[0].reason.zh == "尚未经县级民政部门认定"


def test_scenario_4_tops_up_the_dibao_the_child_already_receives(shipped: Standards) -> None:
    result = month_entitlements(
        standards=shipped,
        region_code=YIBIN,
        month=dt.date(2026, 3, 1),
        categories=["de_facto_unattended", "dibao_child"],
        living_arrangement="with_relatives",
        receiving=[Received("dibao_child", Decimal("400"))],
        confirmed_on={"de_facto_unattended": dt.date(2025, 12, 3)},
    )
    assert paid(result) == {"de_facto_unattended": Decimal("1251.00")}
    (entitlement,) = result.paid
    assert any("补差发放" in r.zh for r in entitlement.reasons)
    # The dibao child supplement is not paid on top: highest only.
    assert [p.programme for p in result.passed] == ["dibao_child"]
    assert result.total == Decimal("1251.00")


def test_an_orphan_in_an_institution_is_paid_the_institutional_standard(
    shipped: Standards,
) -> None:
    result = month_entitlements(
        standards=shipped,
        region_code=YIBIN,
        month=dt.date(2026, 3, 1),
        categories=["orphan"],
        living_arrangement="institution",
        confirmed_on={"orphan": dt.date(2025, 1, 10)},
    )
    assert paid(result) == {"orphan_institutional": Decimal("1851.00")}


def test_no_disabled_living_allowance_on_top_of_the_de_facto_allowance(
    shipped: Standards,
) -> None:
    result = month_entitlements(
        standards=shipped,
        region_code=YIBIN,
        month=dt.date(2026, 3, 1),
        categories=["de_facto_unattended", "disabled_child"],
        living_arrangement="with_relatives",
        confirmed_on={"de_facto_unattended": dt.date(2025, 12, 3)},
    )
    assert "disabled_living" not in paid(result)
    assert paid(result)["de_facto_unattended"] == Decimal("1651.00")
    # The nursing subsidy is independent: paid in addition.
    assert "disabled_nursing" in paid(result)


def test_a_top_up_never_goes_below_zero(shipped: Standards) -> None:
    result = month_entitlements(
        standards=shipped,
        region_code=YIBIN,
        month=dt.date(2026, 3, 1),
        categories=["de_facto_unattended"],
        living_arrangement="with_relatives",
        receiving=[Received("tekun", Decimal("2000"))],
        confirmed_on={"de_facto_unattended": dt.date(2025, 12, 3)},
    )
    assert paid(result) == {"de_facto_unattended": Decimal("0.00")}


def test_a_month_is_its_first_day(shipped: Standards) -> None:
    with pytest.raises(ValueError, match="first day"):
        month_entitlements(
            standards=shipped,
            region_code=YIBIN,
            month=dt.date(2026, 3, 2),
            categories=[],
            living_arrangement="with_parents",
        )
