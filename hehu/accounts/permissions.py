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


_CASEWORK = {
    Perm.VIEW_CHILD,
    Perm.REGISTER_CHILD,
    Perm.EDIT_CHILD,
    Perm.REVEAL_ID_NUMBER,
    Perm.EXPORT_FACTS,
}

ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.VILLAGE_DIRECTOR: frozenset(_CASEWORK),
    Role.TOWNSHIP_SUPERVISOR: frozenset(
        _CASEWORK
        | {Perm.MERGE_CHILDREN, Perm.IMPORT_FACTS, Perm.VIEW_ACCESS_LOG, Perm.VIEW_STATISTICS}
    ),
    Role.COUNTY_CIVIL_AFFAIRS: frozenset(
        _CASEWORK
        | {Perm.MERGE_CHILDREN, Perm.IMPORT_FACTS, Perm.VIEW_ACCESS_LOG, Perm.VIEW_STATISTICS}
    ),
    # Other departments read files in their county but do not change them.
    Role.DEPARTMENT_OFFICER: frozenset({Perm.VIEW_CHILD}),
    # Social workers see only children referred to their organisation (referrals arrive
    # with the services issue); until then their scope is empty.
    Role.SOCIAL_WORKER: frozenset({Perm.VIEW_CHILD}),
    # Analysts work with aggregates, never with individual files.
    Role.CITY_ANALYST: frozenset({Perm.VIEW_STATISTICS}),
    Role.PROVINCE_ANALYST: frozenset({Perm.VIEW_STATISTICS}),
    Role.NATIONAL_ANALYST: frozenset({Perm.VIEW_STATISTICS}),
    Role.ADMIN: frozenset({Perm.VIEW_AUDIT, Perm.MANAGE_ACCOUNTS, Perm.IMPORT_REGIONS}),
}


def has_perm(user: object, perm: Perm) -> bool:
    role = getattr(user, "role", None)
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return perm in ROLE_PERMS.get(str(role), frozenset())
