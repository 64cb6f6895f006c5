"""Models: features become probabilities.

``inputs`` (``InputSpec``: a clip → the model's input) → ``architectures`` / ``zoo`` (networks
and named presets) → ``training`` (``fit``) with ``speaker_norm`` (per-speaker feature
normalisation) and ``temperature`` (probability calibration) → ``artifacts`` (verified model
folders) → ``predictor`` (``Predictor``: a checked clip → probabilities).
"""
