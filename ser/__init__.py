"""ser: speech emotion recognition library.

Audio in → checks → features → model → probabilities. Heavy modules (TensorFlow,
faster-whisper) are imported lazily by the modules that need them.
"""

from __future__ import annotations

import os

# CTranslate2 (Whisper) and TensorFlow's oneDNN each bring an OpenMP runtime whose idle threads
# spin by default. In one process on a 2-core machine they take the CPU from each other:
# `OMP_WAIT_POLICY=ACTIVE ser benchmark --parts clip` measured a warm 3 s clip at 83 ms median
# against 24 ms with them sleeping. Set before either library loads; a value the user set wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
