"""Service plans: drafted by the village, reviewed by the township, approved by the county
(or by the township's review, when the procedure parameter `plan_approver_level` says so).

A plan has goals (one per assessed need) and items of three kinds — cash (a benefit
programme), in-kind (aids, nutrition, school supplies) and services (counselling,
rehabilitation, family-education guidance, care) — each with one provider, an amount or a
quantity, a frequency, dates and the person responsible (DOMAIN.md §6). An approved plan
is reviewed again after `plan_review_interval_months`; a newer approved plan supersedes it.
"""

from hehu.cases.services.plans.content import (
    EDITABLE,
    IN_PROGRESS,
    NEED_LABELS,
    SUPPORT_LABELS,
    GoalData,
    ItemData,
    need_label,
    plan_data_of,
    plan_problems,
    support_label,
)
from hehu.cases.services.plans.reads import (
    access_plan_by_id,
    approver_level,
    plan_goals_and_items,
    plans_of_case,
    responsible_choices,
)
from hehu.cases.services.plans.steps import (
    may_return,
    plan_approve,
    plan_draft,
    plan_return,
    plan_review,
    plan_submit,
    plan_update,
)

__all__ = [
    "EDITABLE",
    "IN_PROGRESS",
    "NEED_LABELS",
    "SUPPORT_LABELS",
    "GoalData",
    "ItemData",
    "access_plan_by_id",
    "approver_level",
    "may_return",
    "need_label",
    "plan_approve",
    "plan_data_of",
    "plan_draft",
    "plan_goals_and_items",
    "plan_problems",
    "plan_return",
    "plan_review",
    "plan_submit",
    "plan_update",
    "plans_of_case",
    "responsible_choices",
    "support_label",
]
