"""The policy app's services: stored policy versions, classifying children, population runs."""

from hehu.policy.services.classify import (
    child_changed,
    child_classification_explained,
    child_classify,
    child_evaluate,
    child_reclassify,
    policy_for_child,
)
from hehu.policy.services.policies import (
    Effective,
    NoPolicyInEffect,
    ShippedPolicyConflict,
    policies_in_force,
    policies_sync_shipped,
    policy_effective,
    policy_loaded,
)
from hehu.policy.services.population import population_run, population_run_create

__all__ = [
    "Effective",
    "NoPolicyInEffect",
    "ShippedPolicyConflict",
    "child_changed",
    "child_classification_explained",
    "child_classify",
    "child_evaluate",
    "child_reclassify",
    "policies_in_force",
    "policies_sync_shipped",
    "policy_effective",
    "policy_for_child",
    "policy_loaded",
    "population_run",
    "population_run_create",
]
