"""Every change to the registry: register, update, merge, reveal, view, attach.

Forms, the API and the facts importer call these with the dataclasses of
`hehu.registry.data`; each runs in one transaction and writes the audit log.
"""

from hehu.registry.services._validation import validate_child
from hehu.registry.services.attachments import MAX_ATTACHMENT_BYTES, attachment_add
from hehu.registry.services.children import (
    child_record_view,
    child_register,
    child_reveal_id_number,
    child_update,
)
from hehu.registry.services.merge import MergeRefused, children_merge

__all__ = [
    "MAX_ATTACHMENT_BYTES",
    "MergeRefused",
    "attachment_add",
    "child_record_view",
    "child_register",
    "child_reveal_id_number",
    "child_update",
    "children_merge",
    "validate_child",
]
