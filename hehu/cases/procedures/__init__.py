"""Procedure parameters (policies/procedures/): deadlines, visit frequencies, escalation.

procedure_value("visit_interval_months", region_code, on)  # → 3
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any

from django.conf import settings

from hehu.cases.procedures.load import Procedures, load_procedures

DEFAULT_DIR = Path(__file__).resolve().parents[3] / "policies" / "procedures"


def procedures_dir() -> Path:
    configured = getattr(settings, "HEHU_PROCEDURE_DIR", None)
    return Path(configured) if configured else DEFAULT_DIR


@functools.cache
def _load(directory: Path) -> Procedures:
    return load_procedures(directory)


def procedures() -> Procedures:
    """The procedure files, loaded and checked once per process (per directory)."""
    return _load(procedures_dir())


def procedure_value(name: str, region_code: str | None, on: dt.date) -> Any:
    """A procedure parameter's value for a region (12-digit code or prefix) on a date."""
    return procedures().value(name, region_code, on)


def procedure_label(name: str) -> dict[str, str]:
    label = procedures().label(name)
    return {"zh": label.zh, "en": label.en}
