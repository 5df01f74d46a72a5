"""Case management services: every state change, atomic and audited."""
