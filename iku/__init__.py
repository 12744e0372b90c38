"""Pure domain logic: SKM scoring, IKU formulas, periods, number formatting.

Nothing here imports telegram, sqlalchemy or db (tests/test_meta.py enforces it): plain values in,
frozen dataclasses out, so officials can trust and re-check every figure by hand.
"""
