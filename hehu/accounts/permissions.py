"""What each role may do. Permissions are an enum, never bare strings (least privilege).

Jurisdiction (which children) is decided separately by region prefixes; this table decides
*what* a role may do with the children its jurisdiction covers.
"""

from __future__ import annotations

from enum import StrEnum

from hehu.accounts.models import Role


class Perm(StrEnum):
    VIEW_CHILD = "view_child"
    REGISTER_CHILD = "register_child"
    EDIT_CHILD = "edit_child"
    MERGE_CHILDREN = "merge_children"
    REVEAL_ID_NUMBER = "reveal_id_number"
    EXPORT_FACTS = "export_facts"
    IMPORT_FACTS = "import_facts"
    VIEW_ACCESS_LOG = "view_access_log"
    VIEW_AUDIT = "view_audit"
    MANAGE_ACCOUNTS = "manage_accounts"
    IMPORT_REGIONS = "import_regions"
    VIEW_STATISTICS = "view_statistics"
    # Policy engine (issue 3).
    VIEW_POLICY = "view_policy"  # read policies, their versions and their explanations
    CLASSIFY_FACTS = "classify_facts"  # what-if: classify a facts document, nothing stored
    RUN_POPULATION = "run_population"  # classify the registry within one's jurisdiction
    SIMULATE_POLICY = "simulate_policy"  # draft vs current over one's jurisdiction
    DRAFT_POLICY = "draft_policy"  # upload and review drafts for one's jurisdiction
    APPROVE_POLICY = "approve_policy"  # approve a reviewed draft and set its effective date


_CASEWORK = {
    Perm.VIEW_CHILD,
    Perm.REGISTER_CHILD,
    Perm.EDIT_CHILD,
    Perm.REVEAL_ID_NUMBER,
    Perm.EXPORT_FACTS,
    Perm.VIEW_POLICY,
    Perm.CLASSIFY_FACTS,
}
# Analysts study definitions: they simulate drafts over their jurisdiction; provincial and
# national analysts are the policy officers who draft and approve (their own level).
_ANALYSIS = {Perm.VIEW_STATISTICS, Perm.VIEW_POLICY, Perm.CLASSIFY_FACTS, Perm.SIMULATE_POLICY}
_POLICY_OFFICE = _ANALYSIS | {Perm.DRAFT_POLICY, Perm.APPROVE_POLICY, Perm.RUN_POPULATION}

ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.VILLAGE_DIRECTOR: frozenset(_CASEWORK),
    Role.TOWNSHIP_SUPERVISOR: frozenset(
        _CASEWORK
        | {Perm.MERGE_CHILDREN, Perm.IMPORT_FACTS, Perm.VIEW_ACCESS_LOG, Perm.VIEW_STATISTICS}
    ),
    Role.COUNTY_CIVIL_AFFAIRS: frozenset(
        _CASEWORK
        | {
            Perm.MERGE_CHILDREN,
            Perm.IMPORT_FACTS,
            Perm.VIEW_ACCESS_LOG,
            Perm.VIEW_STATISTICS,
            Perm.RUN_POPULATION,
            Perm.SIMULATE_POLICY,
        }
    ),
    # Other departments read files in their county but do not change them.
    Role.DEPARTMENT_OFFICER: frozenset({Perm.VIEW_CHILD, Perm.VIEW_POLICY}),
    # Social workers see only children referred to their organisation (referrals arrive
    # with the services issue); until then their scope is empty.
    Role.SOCIAL_WORKER: frozenset({Perm.VIEW_CHILD}),
    # Analysts work with aggregates, never with individual files.
    Role.CITY_ANALYST: frozenset(_ANALYSIS),
    Role.PROVINCE_ANALYST: frozenset(_POLICY_OFFICE),
    Role.NATIONAL_ANALYST: frozenset(_POLICY_OFFICE),
    Role.ADMIN: frozenset({Perm.VIEW_AUDIT, Perm.MANAGE_ACCOUNTS, Perm.IMPORT_REGIONS}),
}


def has_perm(user: object, perm: Perm) -> bool:
    role = getattr(user, "role", None)
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return perm in ROLE_PERMS.get(str(role), frozenset())
