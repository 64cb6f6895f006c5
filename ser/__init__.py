"""ser: speech emotion recognition library.

Audio in → checks → features → model → probabilities. Heavy modules (TensorFlow,
faster-whisper) are imported lazily by the modules that need them.
"""

from __future__ import annotations

__version__ = "0.1.0"
