"""The child facts document (DOMAIN.md §11): schema and validation, export, import."""

from hehu.registry.facts.export import (
    FACTS_PREFETCH,
    child_export_facts,
    child_to_facts,
    children_to_facts,
    facts_id,
)
from hehu.registry.facts.importer import child_to_data, facts_import, facts_to_child_data
from hehu.registry.facts.schema import (
    FACTS_VERSION,
    FactsError,
    facts_schema,
    validate_envelope,
    validate_facts,
)

__all__ = [
    "FACTS_PREFETCH",
    "FACTS_VERSION",
    "FactsError",
    "child_export_facts",
    "child_to_data",
    "child_to_facts",
    "children_to_facts",
    "facts_id",
    "facts_import",
    "facts_schema",
    "facts_to_child_data",
    "validate_envelope",
    "validate_facts",
]
