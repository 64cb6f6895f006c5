"""Analysis: probabilities become answers for a person.

``result`` (the one record for one file, built by ``analyze_clip``) with ``timeline``
(emotion over time), ``transcribe`` (what was said) → ``export`` (CSV/JSON) and ``batch``
(many files at once).
"""
