"""Who may record which step of the guardianship intervention ladder, and what a step
must say (DOMAIN.md §7).

A step belongs to a body (`InterventionStep.Body`); the body must be one that takes that
step (`STEP_BODIES`), and the person recording must work for it (`_bodies_of`): a village
director for the village committee, a department officer of public security, the
procuratorate or a court for their own body. County civil affairs record their own steps,
steps of others (body "other": a relative's application, a school's petition), and — as
the office that keeps the record — any court decision they have received, with its
reference (required for every legal document anyway).

Every problem of a step's input is found at once (`_problems`); what cannot follow the
child's record is checked where the step is recorded (hehu.protection.services.interventions).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.accounts.models import Role
from hehu.cases.clocks import months_after
from hehu.cases.procedures import procedure_value
from hehu.core.errors import PermissionRefused
from hehu.protection.models import InterventionStep
from hehu.registry.models import Child

Step = InterventionStep.Step
Body = InterventionStep.Body

OBJECT_TYPE = "intervention"
COURT = "court"
MAX_EVIDENCE = 5000
MAX_SHORT = 100
GUARDIAN_ROLES = ("father", "mother", "other")
PARENT_ROLES = ("father", "mother")

# Which bodies take which step (DOMAIN.md §7).
STEP_BODIES: dict[str, frozenset[str]] = {
    # MPL art. 118: the village (residents') committee warns and stops, and reports to the
    # police when it is serious.
    Step.WARNING: frozenset({Body.VILLAGE_COMMITTEE}),
    Step.POLICE_REPORT: frozenset({Body.VILLAGE_COMMITTEE, Body.CIVIL_AFFAIRS, Body.OTHER}),
    # FEPL art. 49: police, procuratorate and courts reprimand and order guidance.
    Step.REPRIMAND: frozenset({Body.PUBLIC_SECURITY, Body.PROCURATORATE, Body.COURT}),
    Step.GUIDANCE_ORDER: frozenset({Body.PUBLIC_SECURITY, Body.PROCURATORATE, Body.COURT}),
    # ADVL art. 23: the victim or a relative, or on their behalf police, civil affairs, the
    # village committee and others.
    Step.ORDER_APPLIED: frozenset(
        {Body.VILLAGE_COMMITTEE, Body.PUBLIC_SECURITY, Body.CIVIL_AFFAIRS, Body.OTHER}
    ),
    Step.ORDER_GRANTED: frozenset({Body.COURT}),
    Step.ORDER_REFUSED: frozenset({Body.COURT}),
    Step.ORDER_RENEWED: frozenset({Body.COURT}),
    # CC art. 36: relatives, the village committee, civil affairs and others petition;
    # the procuratorate may petition (MPL art. 106).
    Step.REVOCATION_PETITION: frozenset(
        {Body.VILLAGE_COMMITTEE, Body.CIVIL_AFFAIRS, Body.PROCURATORATE, Body.OTHER}
    ),
    Step.REVOCATION: frozenset({Body.COURT}),
    Step.RESTORATION: frozenset({Body.COURT}),
    Step.LONG_TERM_GUARDIANSHIP: frozenset({Body.CIVIL_AFFAIRS}),
    Step.ADOPTION: frozenset({Body.CIVIL_AFFAIRS}),
    Step.OTHER_LONG_TERM: frozenset({Body.CIVIL_AFFAIRS}),
}
# A legal document with a number: reprimand letter, order, ruling, judgment.
DOCUMENT_STEPS = frozenset(
    {
        Step.REPRIMAND,
        Step.GUIDANCE_ORDER,
        Step.ORDER_GRANTED,
        Step.ORDER_REFUSED,
        Step.ORDER_RENEWED,
        Step.REVOCATION,
        Step.RESTORATION,
    }
)
ORDER_DECISIONS = frozenset({Step.ORDER_GRANTED, Step.ORDER_REFUSED})
ORDERS_IN_FORCE = frozenset({Step.ORDER_GRANTED, Step.ORDER_RENEWED})
COURT_DECISIONS = frozenset(
    {
        Step.ORDER_GRANTED,
        Step.ORDER_REFUSED,
        Step.ORDER_RENEWED,
        Step.REVOCATION,
        Step.RESTORATION,
    }
)
DEPARTMENT_BODIES = {
    "public_security": Body.PUBLIC_SECURITY,
    "procuratorate": Body.PROCURATORATE,
    "court": Body.COURT,
}


def _label(choices: Any, value: str) -> str:
    return str(dict(choices.choices).get(value, value))


# -- who may record what --------------------------------------------------------------------
def _bodies_of(actor: Any) -> frozenset[str]:
    """The bodies this person records steps for."""
    role = str(getattr(actor, "role", ""))
    if role == Role.VILLAGE_DIRECTOR:
        return frozenset({Body.VILLAGE_COMMITTEE})
    if role == Role.COUNTY_CIVIL_AFFAIRS:
        return frozenset({Body.CIVIL_AFFAIRS, Body.OTHER, Body.COURT})
    if role == Role.DEPARTMENT_OFFICER:
        body = DEPARTMENT_BODIES.get(str(getattr(actor, "department", "")))
        return frozenset({body}) if body else frozenset()
    return frozenset()


def is_court(actor: Any) -> bool:
    return (
        str(getattr(actor, "role", "")) == Role.DEPARTMENT_OFFICER
        and str(getattr(actor, "department", "")) == COURT
    )


def default_body(actor: Any, step: str) -> str:
    """The body a step is recorded for when none is chosen: the actor's own, or — for
    civil affairs entering a court's decision — the court."""
    mine = _bodies_of(actor)
    allowed = STEP_BODIES.get(step, frozenset())
    if str(getattr(actor, "role", "")) == Role.COUNTY_CIVIL_AFFAIRS:
        if Body.CIVIL_AFFAIRS in allowed:
            return str(Body.CIVIL_AFFAIRS)
        if Body.COURT in allowed:
            return str(Body.COURT)
        return str(Body.OTHER) if Body.OTHER in allowed else ""
    both = sorted(mine & allowed)
    return both[0] if len(both) == 1 else (sorted(mine)[0] if len(mine) == 1 else "")


def steps_for(actor: Any) -> list[str]:
    """The steps this person may record for some body (the form's choices)."""
    mine = _bodies_of(actor)
    return [value for value in Step.values if STEP_BODIES[value] & mine]


def _bodies_text(bodies: frozenset[str]) -> str:
    return "、".join(_label(Body, b) for b in Body.values if b in bodies)


def _check_actor(actor: Any, step: str, body: str) -> None:
    mine = _bodies_of(actor)
    if not mine:
        raise PermissionRefused(_("您所在的部门不实施监护干预措施，不能登记。"), field="body")
    if body not in mine:
        raise PermissionRefused(
            _("您只能登记%(mine)s采取的措施，不能登记%(body)s的措施。")
            % {
                "mine": _bodies_text(mine - {Body.OTHER, Body.COURT})
                if Body.CIVIL_AFFAIRS in mine
                else _bodies_text(mine),
                "body": _label(Body, body),
            },
            field="body",
        )


# -- recording a step -----------------------------------------------------------------------
@dataclass(frozen=True)
class StepInput:
    step: str
    on: dt.date | None
    evidence: str
    responsible: str
    body: str = ""
    reference: str = ""
    guardian_role: str = ""
    urgent: bool = False
    applied_at: dt.datetime | None = None  # an order application: when it was made
    expires_on: dt.date | None = None  # an order granted or renewed
    intentional_crime: bool = False  # a revocation


def _problems(
    actor: Any, child: Child, data: StepInput, today: dt.date
) -> tuple[dict[str, list[str]], str, dt.date | None]:
    """Every problem of the input at once; the body (chosen, or the actor's) and the date
    (an application's is the day of its time)."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    step = data.step
    if step not in Step.values:
        add("step", _("请选择措施。") if not step else _("措施不正确：%s") % step)
    body = data.body or (default_body(actor, step) if step in Step.values else "")
    if data.body and data.body not in Body.values:
        add("body", _("实施机关不正确：%s") % data.body)
    elif step in Step.values and not body:
        add("body", _("请选择实施机关。"))
    elif step in Step.values and body not in STEP_BODIES[step]:
        add(
            "body",
            _("“%(step)s”由%(bodies)s作出，不能由%(body)s作出。")
            % {
                "step": _label(Step, step),
                "bodies": _bodies_text(STEP_BODIES[step]),
                "body": _label(Body, body),
            },
        )
    on = data.on
    if step == Step.ORDER_APPLIED:
        if data.applied_at is None:
            add(
                "applied_at",
                _("请填写申请人身安全保护令的时间（日期和几点几分），裁定期限从此起算。"),
            )
        elif data.applied_at > timezone.now():
            add("applied_at", _("申请时间不能晚于现在。"))
        elif on is not None and on != timezone.localdate(data.applied_at):
            add("on", _("日期应与申请时间是同一天。"))
        else:
            on = timezone.localdate(data.applied_at)
    if on is None:
        if "applied_at" not in errors:
            add("on", _("请填写措施的日期。"))
    elif on > today:
        add("on", _("日期不能晚于今天。"))
    if not data.evidence.strip():
        add("evidence", _("请填写证据与事实：依据什么材料、发现了什么。"))
    elif len(data.evidence) > MAX_EVIDENCE:
        add("evidence", _("证据与事实不能超过 %(n)s 字。") % {"n": MAX_EVIDENCE})
    if not data.responsible.strip():
        add("responsible", _("请填写承办人姓名。"))
    elif len(data.responsible) > MAX_SHORT:
        add("responsible", _("承办人不能超过 %(n)s 字。") % {"n": MAX_SHORT})
    if step in DOCUMENT_STEPS and not data.reference.strip():
        add(
            "reference",
            _("“%(step)s”是法律文书，请填写文书编号。") % {"step": _label(Step, step)},
        )
    elif len(data.reference) > MAX_SHORT:
        add("reference", _("文书编号不能超过 %(n)s 字。") % {"n": MAX_SHORT})
    if data.guardian_role and data.guardian_role not in GUARDIAN_ROLES:
        add("guardian_role", _("针对的监护人不正确：%s") % data.guardian_role)
    elif step in (Step.REVOCATION, Step.RESTORATION) and data.guardian_role not in PARENT_ROLES:
        add("guardian_role", _("请选择被撤销或恢复监护人资格的是父亲还是母亲。"))
    if step in ORDERS_IN_FORCE:
        if data.expires_on is None:
            add("expires_on", _("请填写人身安全保护令的有效期至哪一天。"))
        elif on is not None and data.expires_on <= on:
            add("expires_on", _("有效期应晚于作出保护令的日期。"))
        elif on is not None:
            months = int(procedure_value("protection_order_max_months", child.region_id, on))
            latest = months_after(on, months)
            if data.expires_on > latest:
                add(
                    "expires_on",
                    _(
                        "人身安全保护令的有效期不超过 %(months)s 个月（反家庭暴力法第三十条），"
                        "最晚至 %(latest)s。"
                    )
                    % {"months": months, "latest": date_text(latest)},
                )
    return errors, body, on


def date_text(day: dt.date) -> str:
    """2026年3月4日 (the date as the Chinese messages write it)."""
    return f"{day.year}年{day.month}月{day.day}日"


def when_text(at: dt.datetime) -> str:
    """2026年3月4日 10:00, local time."""
    local = timezone.localtime(at)
    return f"{date_text(local.date())} {local:%H:%M}"
