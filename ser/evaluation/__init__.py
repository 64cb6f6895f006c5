"""Evaluation: how good is a model, measured the same way for every model.

``protocols`` (the light vocabulary: protocol names, titles, chance levels, stored-figure
lookups) → ``metrics`` (UAR, F1, ECE, …) → ``evaluate`` (runs a protocol's folds) →
``experiment`` (train, evaluate and store a model; comparison tables).
"""
