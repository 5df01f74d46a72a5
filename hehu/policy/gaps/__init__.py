"""Coverage gaps: children with a need signal and no category, for their director."""
