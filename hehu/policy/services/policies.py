"""Policy versions: the shipped files synced into the database, and the policies in force.

What runs is what the database holds as approved: the shipped files (policies/*.yaml) are
approved by shipping them and synced in (`manage.py sync_policies`, or lazily the first
time a child is classified); versions drafted and approved in Hehu join them. Loaded
policies are cached per process, keyed by the approved versions' hashes, so a newly
approved version is picked up by the next classification without a restart.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hehu.audit.models import Verb
from hehu.audit.services import audit_record
from hehu.core.errors import ApplicationError
from hehu.policy.engine.load import PolicyNotFound, PolicySet, load_policy_set, load_policy_text
from hehu.policy.engine.model import NATIONAL, Policy
from hehu.policy.models import PolicyVersion, source_sha256


class ShippedPolicyConflict(ApplicationError):
    """A shipped file and a stored version share an id and version but not their text."""

    code = "shipped_policy_conflict"
    status = 409


class NoPolicyInEffect(ApplicationError):
    code = "no_policy_in_effect"
    status = 409


@dataclass(frozen=True)
class Effective:
    """A policy as the engine runs it (overrides merged) and its stored version."""

    policy: Policy
    version: PolicyVersion


def shipped_policy_dir() -> Path:
    """policies/ of the project, unless settings.HEHU_POLICY_DIR names another directory."""
    configured: str | Path | None = getattr(settings, "HEHU_POLICY_DIR", None)
    return Path(configured) if configured else Path(__file__).resolve().parents[3] / "policies"


@transaction.atomic
def policies_sync_shipped(*, actor: Any = None, directory: Path | None = None) -> list[str]:
    """Store each shipped policy file as an approved version; the refs of those added.

    A shipped version already stored with another text is refused, never rewritten: what
    was approved is what ran, and a change to a policy is a new version.
    """
    directory = directory or shipped_policy_dir()
    added = _sync(directory)
    if added:
        audit_record(
            actor=actor,
            verb=Verb.POLICY_SYNCED,
            object_type="policy",
            object_id=",".join(added),
            changes={"added": added, "directory": str(directory)},
        )
    return added


def _sync(directory: Path) -> list[str]:
    policy_set = load_policy_set(directory)  # every file valid, or PolicyErrors
    added: list[str] = []
    for policy in sorted(policy_set.all(), key=lambda p: p.jurisdiction != NATIONAL):
        source = Path(policy.file).read_text(encoding="utf-8")
        stored = PolicyVersion.objects.filter(policy_id=policy.id, version=policy.version).first()
        if stored is None:
            _store_shipped(policy, source)
            added.append(policy.ref)
            continue
        if stored.sha256 != source_sha256(source):
            raise ShippedPolicyConflict(
                _(
                    "政策 %(ref)s 的文件 %(file)s 与已保存的同一版本内容不同；"
                    "已批准的版本不能修改，请为修改后的政策另立新版本号"
                )
                % {"ref": policy.ref, "file": policy.file}
            )
        if not stored.shipped:
            stored.shipped = True
            stored.save(update_fields=["shipped"])
    return added


def version_columns(policy: Policy, source: str) -> dict[str, Any]:
    """The columns of a stored version that come from its policy file."""
    return {
        "policy_id": policy.id,
        "version": policy.version,
        "jurisdiction": policy.jurisdiction,
        "extends": policy.extends or "",
        "title_zh": policy.title.zh,
        "title_en": policy.title.en,
        "source": source,
        "effective_from": policy.effective_from,
        "effective_to": policy.effective_to,
    }


def _store_shipped(policy: Policy, source: str) -> PolicyVersion:
    now = timezone.now()
    return PolicyVersion.objects.create(
        **version_columns(policy, source),
        status=PolicyVersion.Status.APPROVED,
        shipped=True,
        approved_at=now,
    )


# -- the policies in force ------------------------------------------------------------------
_CACHE_SIZE = 8
_cache_lock = threading.Lock()
_cache: dict[tuple[tuple[int, str], ...], tuple[PolicySet, dict[str, PolicyVersion]]] = {}


def policy_set_loaded(
    versions: list[PolicyVersion],
) -> tuple[PolicySet, dict[str, PolicyVersion]]:
    """These stored versions loaded (overrides merged into their bases), with a ref index."""
    key = tuple(sorted((v.pk, f"{v.sha256}:{v.effective_from}:{v.effective_to}") for v in versions))
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    by_ref = {v.ref: v for v in versions}
    bases: dict[str, Policy] = {}
    loaded: list[Policy] = []
    for version in sorted(versions, key=lambda v: v.jurisdiction != NATIONAL):
        base = bases.get(version.extends) if version.extends else None
        if version.jurisdiction != NATIONAL and base is None:
            base = _base_of(version)
        policy = load_policy_text(version.source, file=version.ref, base=base)
        # The stored period governs: an approval may set a later start than the file's,
        # and retiring a version ends it on its last day.
        policy = dataclasses.replace(
            policy, effective_from=version.effective_from, effective_to=version.effective_to
        )
        if version.jurisdiction == NATIONAL:
            bases[version.ref] = policy
        loaded.append(policy)
    result = (PolicySet(loaded), by_ref)
    with _cache_lock:
        while len(_cache) >= _CACHE_SIZE:  # the oldest goes: approved sets change rarely
            _cache.pop(next(iter(_cache)))
        _cache[key] = result
    return result


def _base_of(version: PolicyVersion) -> Policy:
    """The national base an override names, loaded from its stored text."""
    policy_id, _sep, base_version = version.extends.partition("@")
    base = PolicyVersion.objects.filter(policy_id=policy_id, version=base_version).first()
    if base is None:
        raise NoPolicyInEffect(
            _("政策 %(ref)s 的基础政策 %(base)s 不存在")
            % {"ref": version.ref, "base": version.extends}
        )
    return load_policy_text(base.source, file=base.ref)


def policies_in_force() -> tuple[PolicySet, dict[str, PolicyVersion]]:
    """The approved versions, loaded; the shipped ones are synced first when none is stored.

    That first sync is a side effect of a computation, not someone's act: it is not audited
    (`manage.py sync_policies` is, and so is every later lifecycle step).
    """
    if not PolicyVersion.objects.exists():
        try:
            with transaction.atomic():
                _sync(shipped_policy_dir())
        except IntegrityError:
            pass  # another process synced them at the same moment
    # Retired versions stay: they are bounded by their last day and still answer for the
    # dates they governed.
    in_force = list(
        PolicyVersion.objects.filter(
            status__in=[PolicyVersion.Status.APPROVED, PolicyVersion.Status.RETIRED]
        )
    )
    return policy_set_loaded(in_force)


def policy_effective(*, region_code: str, on: dt.date) -> Effective:
    """The policy in force for a region on a date: the province's override, else national."""
    policy_set, by_ref = policies_in_force()
    try:
        policy = policy_set.for_region(region_code, on)
    except PolicyNotFound as exc:
        raise NoPolicyInEffect(
            _("%(date)s 没有适用于 %(region)s 的已批准政策")
            % {"date": on.isoformat(), "region": region_code}
        ) from exc
    return Effective(policy=policy, version=by_ref[policy.ref])


def policy_loaded(version: PolicyVersion) -> Policy:
    """One stored version (any status) as the engine runs it."""
    extra = [version]
    if version.jurisdiction != NATIONAL and version.extends:
        policy_id, _sep, base_version = version.extends.partition("@")
        base = PolicyVersion.objects.filter(policy_id=policy_id, version=base_version).first()
        if base is not None:
            extra.append(base)
    policy_set, _by_ref = policy_set_loaded(extra)
    return policy_set.get(version.policy_id, version.version)
