"""The benefit standards in force: policies/benefits/, loaded and checked once per process.

standard_amount("orphan_scattered", "511502", date(2026, 3, 1))  # → Decimal("1651.00")
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from hehu.benefits.standards import Standards, load_standards

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "policies" / "benefits"


def standards_dir() -> Path:
    configured = getattr(settings, "HEHU_BENEFIT_DIR", None)
    return Path(configured) if configured else DEFAULT_DIR


@functools.cache
def _load(directory: Path) -> Standards:
    return load_standards(directory, policy_file=DEFAULT_DIR.parent / "cn-national.yaml")


def standards() -> Standards:
    """The benefit files, loaded and checked once per process (per directory)."""
    return _load(standards_dir())


def standard_amount(programme: str, region_code: str, month: dt.date) -> Decimal | None:
    """A programme's standard in yuan for a region and month; None when decided per case."""
    return standards().standard_amount(programme, region_code, month)
