"""Case management (issue 4): cases, assessments, plans, visits, recognition, work items."""

from hehu.cases.models.assessment import Assessment
from hehu.cases.models.case import Case, CaseNote, CaseReferral, CaseTransition, CloseReason
from hehu.cases.models.plan import PlanGoal, PlanItem, ServicePlan
from hehu.cases.models.recognition import RecognitionApplication
from hehu.cases.models.visit import Visit, VisitPhoto
from hehu.cases.models.workitem import Escalation, Level, WorkItem

__all__ = [
    "Assessment",
    "Case",
    "CaseNote",
    "CaseReferral",
    "CaseTransition",
    "CloseReason",
    "Escalation",
    "Level",
    "PlanGoal",
    "PlanItem",
    "RecognitionApplication",
    "ServicePlan",
    "Visit",
    "VisitPhoto",
    "WorkItem",
]
