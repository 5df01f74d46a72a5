"""Benefits over /api/v1/: one module per area (bank files and reconciliation in bank.py)."""
