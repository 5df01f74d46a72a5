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
    # Case management (issue 4).
    VIEW_CASE = "view_case"  # cases, plans, visits and work items in one's jurisdiction
    VIEW_CASE_NOTES = "view_case_notes"  # assessments and case notes (sensitive)
    OPEN_CASE = "open_case"  # open a case by hand or by a department's referral
    WORK_CASE = "work_case"  # move a case along, assess, draft plans, record visits, close
    ADD_CASE_NOTE = "add_case_note"  # write a case record
    REFER_CASE = "refer_case"  # refer a case to a contracted social organisation
    REVIEW_PLAN = "review_plan"  # township review of a service plan
    APPROVE_PLAN = "approve_plan"  # approval of a reviewed plan (level is a parameter)
    RECEIVE_APPLICATION = "receive_application"  # accept a recognition application
    VERIFY_APPLICATION = "verify_application"  # township verification of an application
    DECIDE_APPLICATION = "decide_application"  # county decision on an application
    VIEW_WORKLIST = "view_worklist"  # due and overdue items of one's jurisdiction
    RUN_SWEEP = "run_sweep"  # run the deadline sweep on demand
    # Protection (issue 5). Department-specific rights (police feedback, a court's order)
    # are checked against the officer's department by the protection services.
    FILE_REPORT = "file_report"  # file a compulsory report while signed in (the public form
    # needs no account)
    VIEW_REPORTS = "view_reports"  # reports routed to one's department in one's county
    ACT_ON_REPORT = "act_on_report"  # accept a routed report, give feedback, record a finding
    REVEAL_REPORTER = "reveal_reporter"  # see who reported, for a stated reason (audited)
    RECORD_REMOVAL = "record_removal"  # record an emergency removal and temporary care
    MANAGE_PLACEMENTS = "manage_placements"  # the county's placement register, placements,
    # the assessment before a child returns to the guardian
    VIEW_PROTECTION = "view_protection"  # a child's protection record: removals,
    # placements, intervention steps (sensitive: MPL art. 103)
    RECORD_INTERVENTION = "record_intervention"  # a step of the guardianship intervention
    # ladder (which steps, by the body: checked by the service)
    # Benefits (issue 6). A roll is made and checked by one officer and approved by another.
    VIEW_BENEFITS = "view_benefits"  # enrolments, payments and accounts (masked) of children
    MANAGE_BENEFITS = "manage_benefits"  # enrol and stop, accounts, aid, generate and submit
    # rolls, export bank files, import the bank's results
    APPROVE_PAYMENTS = "approve_payments"  # approve a roll someone else made (maker/checker)
    MANAGE_SUPPLY = "manage_supply"  # in-kind stock of the county and distributions


_CASEWORK = {
    Perm.VIEW_CASE,
    Perm.VIEW_CASE_NOTES,
    Perm.WORK_CASE,
    Perm.OPEN_CASE,
    Perm.ADD_CASE_NOTE,
    Perm.VIEW_WORKLIST,
    Perm.VIEW_CHILD,
    Perm.REGISTER_CHILD,
    Perm.EDIT_CHILD,
    Perm.REVEAL_ID_NUMBER,
    Perm.EXPORT_FACTS,
    Perm.VIEW_POLICY,
    Perm.CLASSIFY_FACTS,
}
# County civil affairs act on every report of the county (in parallel with the police),
# take temporary guardianship, keep the placement register and petition for revocation.
_PROTECTION = {
    Perm.FILE_REPORT,
    Perm.VIEW_REPORTS,
    Perm.ACT_ON_REPORT,
    Perm.REVEAL_REPORTER,
    Perm.RECORD_REMOVAL,
    Perm.MANAGE_PLACEMENTS,
    Perm.VIEW_PROTECTION,
    Perm.RECORD_INTERVENTION,
}
# Analysts study definitions: they simulate drafts over their jurisdiction; provincial and
# national analysts are the policy officers who draft and approve (their own level).
_ANALYSIS = {Perm.VIEW_STATISTICS, Perm.VIEW_POLICY, Perm.CLASSIFY_FACTS, Perm.SIMULATE_POLICY}
_POLICY_OFFICE = _ANALYSIS | {Perm.DRAFT_POLICY, Perm.APPROVE_POLICY, Perm.RUN_POPULATION}

ROLE_PERMS: dict[str, frozenset[Perm]] = {
    # The village committee is a mandated reporter and the first rung of the intervention
    # ladder (a warning); the director follows a child in temporary care.
    Role.VILLAGE_DIRECTOR: frozenset(
        _CASEWORK
        | {Perm.FILE_REPORT, Perm.VIEW_PROTECTION, Perm.RECORD_INTERVENTION, Perm.VIEW_BENEFITS}
    ),
    Role.TOWNSHIP_SUPERVISOR: frozenset(
        _CASEWORK
        | {
            Perm.FILE_REPORT,
            Perm.VIEW_PROTECTION,
            Perm.MERGE_CHILDREN,
            Perm.IMPORT_FACTS,
            Perm.VIEW_ACCESS_LOG,
            Perm.VIEW_STATISTICS,
            Perm.REVIEW_PLAN,
            Perm.REFER_CASE,
            Perm.RECEIVE_APPLICATION,
            Perm.VERIFY_APPLICATION,
            Perm.VIEW_BENEFITS,
        }
    ),
    Role.COUNTY_CIVIL_AFFAIRS: frozenset(
        _CASEWORK
        | _PROTECTION
        | {
            Perm.MERGE_CHILDREN,
            Perm.IMPORT_FACTS,
            Perm.VIEW_ACCESS_LOG,
            Perm.VIEW_STATISTICS,
            Perm.RUN_POPULATION,
            Perm.SIMULATE_POLICY,
            Perm.REVIEW_PLAN,
            Perm.APPROVE_PLAN,
            Perm.REFER_CASE,
            Perm.RECEIVE_APPLICATION,
            Perm.DECIDE_APPLICATION,
            Perm.RUN_SWEEP,
            Perm.VIEW_BENEFITS,
            Perm.MANAGE_BENEFITS,
            Perm.APPROVE_PAYMENTS,
            Perm.MANAGE_SUPPLY,
        }
    ),
    # Other departments read files in their county but do not change them.
    # They refer children to casework and follow the cases of their county, without the
    # assessments and case notes.
    # Protection: the reports routed to their department (police, education), their work
    # list of those clocks, and the steps their body takes (reprimand, orders, removal).
    Role.DEPARTMENT_OFFICER: frozenset(
        {
            Perm.VIEW_CHILD,
            Perm.VIEW_POLICY,
            Perm.VIEW_CASE,
            Perm.OPEN_CASE,
            Perm.VIEW_WORKLIST,
            Perm.FILE_REPORT,
            Perm.VIEW_REPORTS,
            Perm.ACT_ON_REPORT,
            Perm.REVEAL_REPORTER,
            Perm.RECORD_REMOVAL,
            Perm.VIEW_PROTECTION,
            Perm.RECORD_INTERVENTION,
        }
    ),
    # Social workers see only children referred to their organisation (referrals arrive
    # with the services issue); until then their scope is empty.
    # Cases: only those referred to their organisation (hehu.cases.selectors).
    Role.SOCIAL_WORKER: frozenset(
        {Perm.VIEW_CHILD, Perm.VIEW_CASE, Perm.VIEW_CASE_NOTES, Perm.ADD_CASE_NOTE}
    ),
    # Analysts work with aggregates, never with individual files.
    # City analysts receive escalations that reach the city level (work list only).
    Role.CITY_ANALYST: frozenset(_ANALYSIS | {Perm.VIEW_WORKLIST}),
    Role.PROVINCE_ANALYST: frozenset(_POLICY_OFFICE),
    Role.NATIONAL_ANALYST: frozenset(_POLICY_OFFICE),
    Role.ADMIN: frozenset({Perm.VIEW_AUDIT, Perm.MANAGE_ACCOUNTS, Perm.IMPORT_REGIONS}),
}


# Protection rights a department officer holds only in the departments whose work it is
# (MPL art. 103: a child's protection record only to the bodies that act on it): the police
# remove children and see who reported; police, procuratorate and courts record their steps
# of the intervention ladder and see the record. An education officer acts on the school
# matters routed to education, and no more.
DEPARTMENT_ONLY: dict[Perm, frozenset[str]] = {
    Perm.RECORD_REMOVAL: frozenset({"public_security"}),
    Perm.REVEAL_REPORTER: frozenset({"public_security"}),
    Perm.VIEW_PROTECTION: frozenset({"public_security", "procuratorate", "court"}),
    Perm.RECORD_INTERVENTION: frozenset({"public_security", "procuratorate", "court"}),
}


def perms_of(user: object) -> frozenset[Perm]:
    """Every permission the user holds: the role's, narrowed by department where the law
    gives a right to one body."""
    role = str(getattr(user, "role", None))
    perms = ROLE_PERMS.get(role, frozenset())
    if role == Role.DEPARTMENT_OFFICER:
        department = str(getattr(user, "department", ""))
        perms = frozenset(
            p for p in perms if p not in DEPARTMENT_ONLY or department in DEPARTMENT_ONLY[p]
        )
    return perms


def has_perm(user: object, perm: Perm) -> bool:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return perm in perms_of(user)
