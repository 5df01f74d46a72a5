"""One policy: from YAML text or a file, or an override merged into a base already loaded.

These are the entry points for a single policy; a directory of them is `policy_set`.
"""

from __future__ import annotations

from pathlib import Path

from hehu.policy.engine.errors import PolicyProblem
from hehu.policy.engine.load.checking import finish
from hehu.policy.engine.load.draft import raise_if
from hehu.policy.engine.load.overrides import draft_of, merge_checked
from hehu.policy.engine.load.reader import read_draft
from hehu.policy.engine.model import Policy


def load_policy_text(text: str, *, file: str = "<policy>", base: Policy | None = None) -> Policy:
    """A national policy, or (given its base) a merged provincial override, from YAML text."""
    draft = read_draft(text, file)
    if draft.is_override and base is None and not draft.problems:
        extends = draft.policy.extends or "?"
        draft.problems.append(
            PolicyProblem(
                "unknown_base",
                f"这是对“{extends}”的覆盖，需要与其基础政策一起加载",
                f"this overrides '{extends}': load it together with its base policy",
                file,
                1,
                1,
            )
        )
    raise_if(draft.problems)
    if draft.is_override and base is not None:
        return merge_checked(draft_of(base), draft)
    return finish(draft)


def load_policy_text_with_base(text: str, *, file: str = "<policy>", base: Policy) -> Policy:
    """A draft provincial override checked against its base: the merged policy."""
    return load_policy_text(text, file=file, base=base)


def load_policy_file(path: Path | str) -> Policy:
    """A national policy from a file."""
    path = Path(path)
    return load_policy_text(path.read_text(encoding="utf-8"), file=str(path))
