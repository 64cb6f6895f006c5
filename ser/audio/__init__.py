"""Audio in: a file or bytes become checked 16 kHz mono samples and the features a model eats.

``decode`` (any container → float32 samples) → ``clip`` (``load_clip``: decode, then check,
within ``Limits``) → ``checks`` (the quality report) → ``features`` / ``whisper`` (frame and
utterance features, Whisper encoder frames); ``augment`` makes training copies of clips.
"""
