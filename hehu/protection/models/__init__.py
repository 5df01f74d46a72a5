"""Protection: reports and their routes, removals, placements, intervention steps."""

from hehu.protection.models.intervention import InterventionStep
from hehu.protection.models.placement import (
    CareFacility,
    Placement,
    Removal,
    ReturnAssessment,
)
from hehu.protection.models.report import Report, ReporterKind, ReportRoute, Situation

__all__ = [
    "CareFacility",
    "InterventionStep",
    "Placement",
    "Removal",
    "Report",
    "ReportRoute",
    "ReporterKind",
    "ReturnAssessment",
    "Situation",
]
