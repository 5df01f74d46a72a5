"""YAML policy files → validated `model.Policy`, or `PolicyErrors` listing every problem.

The YAML is composed into PyYAML's node tree (not constructed into dicts) so that every
key and value keeps its line and column; each `when` is parsed with its position in the
file, so that a CEL mistake is reported where the policy officer wrote it. A policy is
loaded whole or not at all: problems are collected, sorted by line and raised together.

A provincial override (`extends: id@version`) is merged into its base and the merged
policy is checked as a whole: it names things the base defines.

The modules, in the order a file goes through them: `nodes` (YAML shapes with positions),
`reader` (the file's structure and header) with `parameters` and `definitions` (its
sections), giving a `draft`; then `checking` and `ordering` (the whole policy),
`overrides` (merging into a base), and the entry points `single` and `policy_set`.
"""

from hehu.policy.engine.load.overrides import merge_override
from hehu.policy.engine.load.policy_set import PolicyNotFound, PolicySet, load_policy_set
from hehu.policy.engine.load.single import (
    load_policy_file,
    load_policy_text,
    load_policy_text_with_base,
)

__all__ = [
    "PolicyNotFound",
    "PolicySet",
    "load_policy_file",
    "load_policy_set",
    "load_policy_text",
    "load_policy_text_with_base",
    "merge_override",
]
