"""Supervision of fund use: checks of each cycle's roll and the anomalies they find."""
