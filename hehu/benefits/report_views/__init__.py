"""Pages of the benefit reports (statement, budget) and of the supervision of fund use."""
