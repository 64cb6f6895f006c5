"""Data: corpora on disk become labelled rows, and rows become speaker-independent splits.

``labels`` (the emotion vocabulary and label sets) → ``corpora`` (one parser per corpus) →
``splits`` (folds that never put one speaker on both sides).
"""
