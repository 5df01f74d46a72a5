"""A directory of policies: `PolicySet`, and finding the policy in effect for a region.

`load_policy_set` reads every file of a directory, loads national policies first and
merges each override into the base it names; problems of every file are raised together.
A `PolicySet` answers which policy has an id and version (the latest version by natural
order) and which is in effect on a date for a region (its province's override, else the
national policy).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

from hehu.policy.engine.errors import PolicyErrors, PolicyProblem
from hehu.policy.engine.load.checking import finish
from hehu.policy.engine.load.draft import Draft, raise_if
from hehu.policy.engine.load.overrides import duplicate_ref, merge_checked, unknown_base
from hehu.policy.engine.load.reader import read_draft
from hehu.policy.engine.model import NATIONAL, Policy


class PolicyNotFound(LookupError):
    """No loaded policy matches the id, version, region or date asked for."""


class PolicySet:
    """Every policy of a directory, overrides merged into their bases."""

    def __init__(self, policies: Iterable[Policy]) -> None:
        self._policies = list(policies)

    def all(self) -> list[Policy]:
        return list(self._policies)

    def get(self, policy_id: str, version: str | None = None) -> Policy:
        """The policy with that id and version (the latest version when None)."""
        matching = [p for p in self._policies if p.id == policy_id]
        if version is not None:
            matching = [p for p in matching if p.version == version]
        if not matching:
            raise PolicyNotFound(f"{policy_id}@{version or 'latest'}")
        return max(matching, key=lambda p: _version_key(p.version))

    def for_region(self, region_code: str | None, on: dt.date) -> Policy:
        """The provincial override in effect on `on` for the code's province, else national."""
        province = (region_code or "")[:2]
        in_effect = [p for p in self._policies if p.in_effect(on)]
        for jurisdiction in (province, NATIONAL):
            candidates = [p for p in in_effect if p.jurisdiction == jurisdiction]
            if candidates:
                return max(candidates, key=lambda p: (p.effective_from, _version_key(p.version)))
        raise PolicyNotFound(f"no policy in effect on {on.isoformat()} for {region_code!r}")


def load_policy_set(directory: Path | str) -> PolicySet:
    """Load every *.yaml of `directory`; overrides are merged into the bases they name."""
    drafts = [
        read_draft(path.read_text(encoding="utf-8"), str(path))
        for path in sorted(Path(directory).glob("*.yaml"))
    ]
    problems: list[PolicyProblem] = []
    bases: dict[str, tuple[Policy, Draft]] = {}
    loaded: list[Policy] = []
    for draft in sorted(drafts, key=lambda d: d.is_override):
        problems.extend(draft.problems)
        if draft.problems:
            continue
        ref = draft.policy.ref
        if ref in bases or any(p.ref == ref for p in loaded):
            problems.append(duplicate_ref(draft))
            continue
        try:
            if draft.is_override:
                found = bases.get(draft.policy.extends or "")
                if found is None:
                    problems.append(unknown_base(draft, bases))
                    continue
                loaded.append(merge_checked(found[1], draft))
            else:
                policy = finish(draft)
                bases[ref] = (policy, dataclasses.replace(draft, policy=policy))
                loaded.append(policy)
        except PolicyErrors as errors:
            problems.extend(errors.problems)
    raise_if(problems)
    return PolicySet(loaded)


def _version_key(version: str) -> tuple[tuple[int, str], ...]:
    """Natural order of versions: "2026.10" after "2026.9"."""
    return tuple(
        (int(part), "") if part.isdigit() else (-1, part) for part in re.split(r"[.\-]", version)
    )
