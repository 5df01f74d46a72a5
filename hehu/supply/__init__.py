"""In-kind supply (issue 6): the county's catalogue of items (rehabilitation aids, nutrition,
school supplies), its stock as a ledger of movements, and what was handed to each child —
with the in-kind items of an approved service plan set against what reached the child."""
