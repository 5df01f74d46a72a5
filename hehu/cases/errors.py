"""Refusals of case management, each with a stable code and a message in the user's language."""

from __future__ import annotations

from hehu.core.errors import ApplicationError


class TransitionNotAllowed(ApplicationError):
    code = "transition_not_allowed"
    status = 409


class CaseAlreadyOpen(ApplicationError):
    code = "case_already_open"
    status = 409


class CaseClosed(ApplicationError):
    code = "case_closed"
    status = 409


class AssessmentIncomplete(ApplicationError):
    """Some answers are missing; `extra['missing']` names each item."""

    code = "assessment_incomplete"


class PlanNotEditable(ApplicationError):
    code = "plan_not_editable"
    status = 409


class PlanStepNotAllowed(ApplicationError):
    code = "plan_step_not_allowed"
    status = 409


class ApplicationStepNotAllowed(ApplicationError):
    code = "application_step_not_allowed"
    status = 409


class VisitNotDue(ApplicationError):
    code = "visit_not_due"
    status = 409
