"""The policy engine app: versioned definitions of children in distress, evaluated and stored.

`hehu.policy.engine` is the engine itself — pure Python, no Django, no database: it takes
policy text and facts and returns decisions. The app around it stores policy versions and
their lifecycle, classifies registered children, runs populations and simulations.
"""
