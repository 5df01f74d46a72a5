"""Hehu's policy engine: policy files (YAML + CEL conditions) → categories with reasons.

Pure Python: nothing here imports Django or touches a database (an import-linter contract
keeps it so). The pieces, in the order data flows through them:

- `types`   — the types of facts, parameters and expressions; the facts schema as types.
- `ast`     — the expression tree every condition is parsed into.
- `parse`   — CEL text → `ast` (CEL's grammar via cel-python's parser), with positions.
- `model`   — a loaded policy: parameters, predicates, categories, umbrellas, signals.
- `load`    — YAML text → `model.Policy`, validated and type-checked, or `PolicyErrors`.
- `check`   — name resolution and type checking of expressions.
- `functions` — the helpers the language offers (age_on, months_elapsed, in_force…).
- `evaluate` — one child: facts + date → `result.Classification` with a trace.
- `frames`  — many facts documents → columnar frames (Polars).
- `columnar` — the same policy compiled to Polars expressions over frames.
- `result`  — what an evaluation returns, and its JSON form.
"""
