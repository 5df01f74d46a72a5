"""Demo accounts, one per role, for the Yibin demo (DEMO ONLY: never in production).

The regions must be loaded first (the demo loader does that, then calls
`demo_users_create`). Every account but the first administrator is opened through
`user_create`, so the demo obeys the same rules and leaves the same audit trail as real
accounts. Running it again leaves existing accounts untouched.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from hehu.accounts.errors import DemoRegionsMissing
from hehu.accounts.models import Department, Organisation, Role, User
from hehu.accounts.services import admin_bootstrap, user_create
from hehu.regions.codes import full_code
from hehu.regions.models import Region

DEMO_ORGANISATION = "宜宾市翠屏区阳光社会工作服务中心（演示）"
DEMO_ORGANISATION_REGION = "511502000000"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    prefix: str  # '' = national
    full_name: str
    jurisdiction: str  # for people: the region in words
    department: str = ""
    organisation: str = ""


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        "director",
        Role.VILLAGE_DIRECTOR,
        "511502001001",
        "李春梅（演示）",
        "511502001001 翠屏区 街道 001 社区 001",
    ),
    DemoAccount(
        "director2",
        Role.VILLAGE_DIRECTOR,
        "511524100201",
        "张秀英（演示）",
        "511524100201 长宁县 镇 100 村 201",
    ),
    DemoAccount(
        "supervisor",
        Role.TOWNSHIP_SUPERVISOR,
        "511502001",
        "王建华（演示）",
        "511502001 翠屏区 街道 001",
    ),
    DemoAccount(
        "county",
        Role.COUNTY_CIVIL_AFFAIRS,
        "511502",
        "刘德明（演示）",
        "511502 翠屏区（民政局）",
        department=Department.CIVIL_AFFAIRS,
    ),
    # A second county officer: a payment roll made by `county` is approved by another person.
    DemoAccount(
        "checker",
        Role.COUNTY_CIVIL_AFFAIRS,
        "511502",
        "钱文华（演示）",
        "511502 翠屏区（民政局·资金审核）",
        department=Department.CIVIL_AFFAIRS,
    ),
    DemoAccount(
        "police",
        Role.DEPARTMENT_OFFICER,
        "511502",
        "陈志强（演示）",
        "511502 翠屏区（公安分局）",
        department=Department.PUBLIC_SECURITY,
    ),
    DemoAccount(
        "education",
        Role.DEPARTMENT_OFFICER,
        "511502",
        "杨慧（演示）",
        "511502 翠屏区（教育局）",
        department=Department.EDUCATION,
    ),
    DemoAccount(
        "court",
        Role.DEPARTMENT_OFFICER,
        "511502",
        "孙立新（演示）",
        "511502 翠屏区（人民法院）",
        department=Department.COURT,
    ),
    DemoAccount(
        "socialworker",
        Role.SOCIAL_WORKER,
        "511502",
        "赵晓燕（演示）",
        "511502 翠屏区（" + DEMO_ORGANISATION + "）",
        organisation=DEMO_ORGANISATION,
    ),
    DemoAccount("city_analyst", Role.CITY_ANALYST, "5115", "黄磊（演示）", "5115 宜宾市"),
    DemoAccount("province_analyst", Role.PROVINCE_ANALYST, "51", "周敏（演示）", "51 四川省"),
    DemoAccount("national_analyst", Role.NATIONAL_ANALYST, "", "吴刚（演示）", "全国"),
    DemoAccount("admin", Role.ADMIN, "", "系统管理员（演示）", "全国"),
)


def demo_accounts_markdown() -> str:
    """The table of demo accounts for the README (username, role, jurisdiction)."""
    lines = ["| username | role | jurisdiction |", "|---|---|---|"]
    for account in DEMO_ACCOUNTS:
        role = f"{account.role.label} ({account.role.value})"
        lines.append(f"| `{account.username}` | {role} | {account.jurisdiction} |")
    return "\n".join(lines)


def _required_codes() -> list[str]:
    codes = {full_code(a.prefix) for a in DEMO_ACCOUNTS if a.prefix}
    return sorted(codes | {DEMO_ORGANISATION_REGION})


def _demo_admin(password: str) -> User:
    spec = next(a for a in DEMO_ACCOUNTS if a.role == Role.ADMIN)
    admin = User.objects.filter(username=spec.username).first()
    if admin is not None:
        return admin
    return admin_bootstrap(username=spec.username, full_name=spec.full_name, password=password)


@transaction.atomic
def demo_users_create(*, password: str) -> list[User]:
    """Open one demo account per role (see DEMO_ACCOUNTS); all share `password`."""
    existing = set(Region.objects.filter(code__in=_required_codes()).values_list("code", flat=True))
    missing = [c for c in _required_codes() if c not in existing]
    if missing:
        raise DemoRegionsMissing(
            _("演示账号需要的区划不存在：%(codes)s。请先加载宜宾演示区划。")
            % {"codes": "、".join(missing)}
        )
    admin = _demo_admin(password)
    organisation, _created = Organisation.objects.get_or_create(
        name=DEMO_ORGANISATION,
        defaults={"region": Region.objects.get(code=DEMO_ORGANISATION_REGION)},
    )
    users: dict[str, User] = {
        u.username: u for u in User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])
    }
    for spec in DEMO_ACCOUNTS:
        if spec.username in users:
            continue
        users[spec.username] = user_create(
            actor=admin,
            username=spec.username,
            full_name=spec.full_name,
            role=spec.role,
            department=spec.department,
            organisation=organisation if spec.organisation else None,
            prefixes=[spec.prefix],
            password=password,
        )
    return [users[a.username] for a in DEMO_ACCOUNTS]
