"""The lifecycle of a policy version: draft → reviewed → approved (from a date) → retired.

Who may do what (issue 3, "Lifecycle"):
- drafting and reviewing need Perm.DRAFT_POLICY, approving and retiring Perm.APPROVE_POLICY;
- a national policy is managed from the national level (jurisdiction prefix ""), a
  province's override by that province (prefix "51") or the national level;
- four eyes: nobody reviews or approves a text they wrote;
- a draft is checked whole when it is stored and again when approved: a text that does not
  load is refused with every problem (file, line, column) and nothing is stored;
- what was approved is never rewritten: a change is a new version (a new draft), and past
  classifications keep the version they were made under (ChildClassification.policy_version).

Every step is one atomic, audited service; the reads the pages need are at the end.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Any

import yaml
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.accounts.permissions import Perm, has_perm
from hehu.audit.models import AuditEntry, Verb
from hehu.audit.services import audit_record
from hehu.core.errors import ApplicationError, ConcurrentEdit, Duplicate, PermissionRefused
from hehu.policy.engine.columnar import compile_policy
from hehu.policy.engine.errors import PolicyErrors, PolicyProblem
from hehu.policy.engine.load import load_policy_text
from hehu.policy.engine.model import NATIONAL, Policy
from hehu.policy.models import ApprovedPolicyImmutable, PolicyVersion
from hehu.policy.services.policies import policies_in_force, policy_loaded, version_columns

Status = PolicyVersion.Status
AUDIT_TYPE = "policy"
MAX_REF = 64  # the audit log's object id


# -- refusals ---------------------------------------------------------------------------------
class PolicyDraftInvalid(ApplicationError):
    """The text does not load: every problem, with its file, line and column."""

    code = "policy_invalid"
    status = 400

    def __init__(self, problems: list[PolicyProblem]) -> None:
        super().__init__(
            _("政策文本有 %(n)d 处问题，未保存") % {"n": len(problems)},
        )
        self.problems = problems

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "problems": [p.as_dict() for p in self.problems]}


class PolicyVersionExists(Duplicate):
    code = "policy_version_exists"


class PolicyWrongStatus(ApplicationError):
    code = "policy_wrong_status"
    status = 409


class PolicyOwnText(PermissionRefused):
    """Four eyes: the author of a text does not review or approve it."""

    code = "policy_four_eyes"


class PolicyOutsideJurisdiction(PermissionRefused):
    code = "policy_outside_jurisdiction"


class PolicyDateRefused(ApplicationError):
    code = "policy_date_refused"
    status = 400


# -- who may ----------------------------------------------------------------------------------
def jurisdiction_covers(user: Any, jurisdiction: str) -> bool:
    """National policies need the national level; a province's override, it or national."""
    prefixes = set(getattr(user, "prefixes", []) or [])
    if "" in prefixes:
        return True
    return jurisdiction != NATIONAL and jurisdiction in prefixes


def may(user: Any, perm: Perm, version: PolicyVersion) -> bool:
    """Whether the user holds the permission over this version's jurisdiction."""
    return has_perm(user, perm) and jurisdiction_covers(user, version.jurisdiction)


def _require(actor: Any, perm: Perm, jurisdiction: str | None = None) -> None:
    if not has_perm(actor, perm):
        raise PermissionRefused(_("您的账号没有这项政策权限"))
    if jurisdiction is not None and not jurisdiction_covers(actor, jurisdiction):
        if jurisdiction == NATIONAL:
            message = _("全国政策只能由国家级人员起草、审核和批准")
        else:
            message = _("省级政策（%(code)s）只能由该省或国家级人员管理") % {"code": jurisdiction}
        raise PolicyOutsideJurisdiction(message)


def _require_status(version: PolicyVersion, *allowed: str) -> None:
    if version.status in allowed:
        return
    raise PolicyWrongStatus(
        _("政策版本 %(ref)s 当前为“%(status)s”，不能进行这项操作")
        % {"ref": version.ref, "status": version.get_status_display()}
    )


def _authors(version: PolicyVersion) -> set[int]:
    """Everyone who wrote this text: who created it and who edited it since."""
    editors = AuditEntry.objects.filter(
        verb=Verb.POLICY_DRAFTED, object_type=AUDIT_TYPE, object_id=version.ref
    ).values_list("actor_id", flat=True)
    return {pk for pk in [version.created_by_id, *editors] if pk is not None}


def _require_other_eyes(actor: Any, version: PolicyVersion) -> None:
    if actor.pk in _authors(version):
        raise PolicyOwnText(_("不能审核或批准自己起草或修改的政策文本，请由他人办理"))


def _locked(version: PolicyVersion) -> PolicyVersion:
    return PolicyVersion.objects.select_for_update().get(pk=version.pk)


# -- checking a text ----------------------------------------------------------------------------
_EXTENDS_LINE = re.compile(r"^extends\s*:", re.MULTILINE)


def _declared_base(source: str) -> str | None:
    """What `extends` names, if the text is YAML at all (the loader reports the rest)."""
    try:
        head = yaml.safe_load(source)
    except yaml.YAMLError:
        return None
    if not isinstance(head, dict):
        return None
    extends = head.get("extends")
    return extends if isinstance(extends, str) and extends else None


def _base_problem(source: str, file_name: str, extends: str) -> PolicyProblem:
    match = _EXTENDS_LINE.search(source)
    line = source.count("\n", 0, match.start()) + 1 if match else 1
    return PolicyProblem(
        "unknown_base",
        f"基础政策“{extends}”不存在或尚未批准：覆盖政策只能基于已批准的版本",
        f"the base policy '{extends}' does not exist or is not approved: "
        "an override can only extend an approved version",
        file_name,
        line,
        1,
    )


def policy_text_checked(*, source: str, file_name: str) -> Policy:
    """The text loaded as Hehu would run it (an override merged into its approved base),
    or PolicyDraftInvalid with every problem."""
    base: Policy | None = None
    extends = _declared_base(source)
    if extends is not None:
        policy_id, _sep, version = extends.partition("@")
        stored = PolicyVersion.objects.filter(
            policy_id=policy_id, version=version, status=Status.APPROVED
        ).first()
        if stored is None:
            raise PolicyDraftInvalid([_base_problem(source, file_name, extends)])
        base = policy_loaded(stored)
    try:
        policy = load_policy_text(source, file=file_name, base=base)
        # A policy that loads but cannot run over a population would fail on its first
        # nightly run: refuse it now, with the position of what cannot be compiled.
        compile_policy(policy)
    except PolicyErrors as errors:
        raise PolicyDraftInvalid(errors.problems) from errors
    return policy


def policies_stored() -> None:
    """The shipped policies are stored (synced on first use, like policies_in_force)."""
    _ensure_shipped()


def _ensure_shipped() -> None:
    """The shipped policies are stored before the first draft, so that overrides find their
    base and a draft cannot take a shipped version's id and number."""
    if not PolicyVersion.objects.exists():
        policies_in_force()


def _require_same_family(policy: Policy) -> None:
    """A policy id belongs to one jurisdiction: a province cannot publish under the
    national policy's id, nor the reverse."""
    other = (
        PolicyVersion.objects.filter(policy_id=policy.id)
        .exclude(jurisdiction=policy.jurisdiction)
        .first()
    )
    if other is not None:
        raise PolicyOutsideJurisdiction(
            _("政策编号 %(id)s 已用于另一适用范围（%(other)s），请另取编号")
            % {"id": policy.id, "other": other.jurisdiction}
        )


def _audit(
    actor: Any, verb: Verb, version: PolicyVersion, reason: str = "", **changes: Any
) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        object_type=AUDIT_TYPE,
        object_id=version.ref,
        changes={"status": version.status, **changes},
        reason=reason[:500],
    )


# -- the steps ----------------------------------------------------------------------------------
@transaction.atomic
def policy_draft_create(*, actor: Any, source: str, file_name: str = "") -> PolicyVersion:
    """Store a new policy version as a draft, once its text loads whole."""
    _require(actor, Perm.DRAFT_POLICY)
    _ensure_shipped()
    policy = policy_text_checked(source=source, file_name=file_name or "draft.yaml")
    _require(actor, Perm.DRAFT_POLICY, policy.jurisdiction)
    if len(policy.ref) > MAX_REF:
        raise PolicyDraftInvalid(
            [
                PolicyProblem(
                    "too_long",
                    f"政策编号与版本合计不能超过 {MAX_REF} 个字符",
                    f"the id and version together cannot exceed {MAX_REF} characters",
                    file_name or "draft.yaml",
                    1,
                    1,
                )
            ]
        )
    if PolicyVersion.objects.filter(policy_id=policy.id, version=policy.version).exists():
        raise _exists(policy.ref)
    _require_same_family(policy)
    try:
        with transaction.atomic():
            version = PolicyVersion.objects.create(
                **version_columns(policy, source), status=Status.DRAFT, created_by=actor
            )
    except IntegrityError as exc:  # the same id@version stored at the same moment
        raise _exists(policy.ref) from exc
    _audit(actor, Verb.POLICY_DRAFTED, version, sha256=version.sha256, file=file_name)
    return version


def _exists(ref: str) -> PolicyVersionExists:
    return PolicyVersionExists(
        _("政策版本 %(ref)s 已存在；已批准的版本不能替换，修改请另立新版本号") % {"ref": ref},
        field="source",
    )


@transaction.atomic
def policy_draft_update(
    *, actor: Any, version: PolicyVersion, source: str, expected_sha: str, file_name: str = ""
) -> PolicyVersion:
    """Replace a draft's text, unless someone saved another text since it was opened."""
    version = _locked(version)
    _require(actor, Perm.DRAFT_POLICY, version.jurisdiction)
    if version.status in (Status.APPROVED, Status.RETIRED):
        raise ApprovedPolicyImmutable(
            _("已批准的政策版本 %(ref)s 不能修改，请新建版本") % {"ref": version.ref}
        )
    _require_status(version, Status.DRAFT)
    if version.sha256 != expected_sha:
        raise ConcurrentEdit(
            _("这份草稿在您打开后已被他人修改，您的修改没有保存；请重新打开后再改"),
            field="source",
        )
    policy = policy_text_checked(source=source, file_name=file_name or f"{version.ref}.yaml")
    if policy.ref != version.ref:
        raise PolicyDraftInvalid(
            [
                PolicyProblem(
                    "ref_changed",
                    f"草稿的编号和版本（{version.ref}）不能修改；另一个版本请新建草稿",
                    f"a draft's id and version ({version.ref}) cannot change; "
                    "another version is a new draft",
                    file_name or f"{version.ref}.yaml",
                    1,
                    1,
                )
            ]
        )
    _require(actor, Perm.DRAFT_POLICY, policy.jurisdiction)
    old_sha = version.sha256
    version.source = source
    version.jurisdiction = policy.jurisdiction
    version.extends = policy.extends or ""
    version.title_zh, version.title_en = policy.title.zh, policy.title.en
    version.effective_from, version.effective_to = policy.effective_from, policy.effective_to
    version.save()
    _audit(actor, Verb.POLICY_DRAFTED, version, sha256=[old_sha, version.sha256], file=file_name)
    return version


@transaction.atomic
def policy_review(*, actor: Any, version: PolicyVersion, comment: str = "") -> PolicyVersion:
    """A second policy officer has read the draft and passes it on for approval."""
    version = _locked(version)
    _require(actor, Perm.DRAFT_POLICY, version.jurisdiction)
    _require_status(version, Status.DRAFT)
    _require_other_eyes(actor, version)
    version.status = Status.REVIEWED
    version.reviewed_by, version.reviewed_at = actor, timezone.now()
    version.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    _audit(actor, Verb.POLICY_REVIEWED, version, comment, sha256=version.sha256)
    return version


@transaction.atomic
def policy_approve(
    *, actor: Any, version: PolicyVersion, effective_from: dt.date, comment: str = ""
) -> PolicyVersion:
    """Approve a reviewed version: it is the policy in force from `effective_from` on."""
    version = _locked(version)
    _require(actor, Perm.APPROVE_POLICY, version.jurisdiction)
    _require_status(version, Status.REVIEWED)
    _require_other_eyes(actor, version)
    # Checked again: the base of an override may have changed status since the draft.
    policy = policy_text_checked(source=version.source, file_name=f"{version.ref}.yaml")
    if effective_from < policy.effective_from:
        raise PolicyDateRefused(
            _("生效日期不能早于政策文本自身的生效日期 %(date)s")
            % {"date": policy.effective_from.isoformat()},
            field="effective_from",
        )
    if policy.effective_to is not None and effective_from > policy.effective_to:
        raise PolicyDateRefused(
            _("生效日期不能晚于政策文本的失效日期 %(date)s")
            % {"date": policy.effective_to.isoformat()},
            field="effective_from",
        )
    version.status = Status.APPROVED
    version.approved_by, version.approved_at = actor, timezone.now()
    version.effective_from = effective_from
    version.save(update_fields=["status", "approved_by", "approved_at", "effective_from"])
    _audit(
        actor,
        Verb.POLICY_APPROVED,
        version,
        comment,
        sha256=version.sha256,
        effective_from=effective_from.isoformat(),
    )
    return version


@transaction.atomic
def policy_retire(
    *, actor: Any, version: PolicyVersion, effective_to: dt.date, comment: str = ""
) -> PolicyVersion:
    """An approved version stops applying after `effective_to`; its text and past results stay."""
    version = _locked(version)
    _require(actor, Perm.APPROVE_POLICY, version.jurisdiction)
    _require_status(version, Status.APPROVED)
    if effective_to < version.effective_from:
        raise PolicyDateRefused(
            _("停用日期不能早于生效日期 %(date)s") % {"date": version.effective_from.isoformat()},
            field="effective_to",
        )
    if version.jurisdiction == NATIONAL:
        _require_successor(version, effective_to + dt.timedelta(days=1))
    version.status = Status.RETIRED
    version.effective_to = effective_to
    version.save(update_fields=["status", "effective_to"])
    _audit(
        actor,
        Verb.POLICY_RETIRED,
        version,
        comment,
        effective_to=effective_to.isoformat(),
    )
    return version


def _require_successor(version: PolicyVersion, day: dt.date) -> None:
    """Every child must have a policy: the national level is never left without one."""
    successor = (
        PolicyVersion.objects.filter(
            status=Status.APPROVED, jurisdiction=NATIONAL, effective_from__lte=day
        )
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
        .exclude(pk=version.pk)
    )
    if not successor.exists():
        raise PolicyDateRefused(
            _("停用后 %(date)s 起将没有适用的全国政策：请先批准接替的版本")
            % {"date": day.isoformat()},
            field="effective_to",
        )


@transaction.atomic
def policy_return_to_draft(*, actor: Any, version: PolicyVersion, reason: str) -> PolicyVersion:
    """Send a draft or a reviewed version back to its author, saying why (nothing approved)."""
    version = _locked(version)
    perm = Perm.APPROVE_POLICY if has_perm(actor, Perm.APPROVE_POLICY) else Perm.DRAFT_POLICY
    _require(actor, perm, version.jurisdiction)
    _require_status(version, Status.DRAFT, Status.REVIEWED)
    if not reason.strip():
        raise ApplicationError(_("请说明退回的理由"), field="reason")
    was = version.status
    version.status = Status.DRAFT
    version.reviewed_by, version.reviewed_at = None, None
    version.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    _audit(actor, Verb.POLICY_REVIEWED, version, reason.strip(), returned_from=was)
    return version


# -- reads for the pages ------------------------------------------------------------------------
def drafts_awaiting(*, user: Any) -> QuerySet[PolicyVersion]:
    """Drafts and reviewed versions within the user's jurisdiction, oldest first."""
    pending = PolicyVersion.objects.filter(status__in=[Status.DRAFT, Status.REVIEWED])
    prefixes = set(getattr(user, "prefixes", []) or [])
    if "" not in prefixes:
        pending = pending.filter(jurisdiction__in=prefixes - {NATIONAL})
    return pending.select_related("created_by", "reviewed_by").order_by("created_at", "pk")


def version_history(version: PolicyVersion) -> QuerySet[AuditEntry]:
    """Who did what to this version, and when, oldest first."""
    return (
        AuditEntry.objects.filter(object_type=AUDIT_TYPE, object_id=version.ref)
        .select_related("actor")
        .order_by("at", "id")
    )


def version_replaced(version: PolicyVersion) -> PolicyVersion | None:
    """What this version replaces: the latest other approved or retired version of the same
    policy starting no later, else (for a first override) the base it extends."""
    earlier = (
        PolicyVersion.objects.filter(
            policy_id=version.policy_id,
            status__in=[Status.APPROVED, Status.RETIRED],
            effective_from__lte=version.effective_from,
        )
        .exclude(pk=version.pk)
        .order_by("-effective_from", "-approved_at", "-pk")
        .first()
    )
    if earlier is not None or not version.extends:
        return earlier
    policy_id, _sep, base_version = version.extends.partition("@")
    return PolicyVersion.objects.filter(policy_id=policy_id, version=base_version).first()


def version_diff(old: PolicyVersion | None, new: PolicyVersion) -> list[str]:
    """A unified diff of the texts, line by line (empty when there is nothing to compare)."""
    if old is None:
        return []
    return list(
        difflib.unified_diff(
            old.source.splitlines(),
            new.source.splitlines(),
            fromfile=old.ref,
            tofile=new.ref,
            lineterm="",
        )
    )
