"""Benefits (issue 6): programmes and their standards as policy data; entitlements and
payments come in later slices."""
