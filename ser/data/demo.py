"""Demo speakers: a few named speakers whose clips the shipped default model never heard.

The default recipe leaves them out of its final fit (``ModelSpec.holdout_speakers``), so the
Analyze page can offer their clips as honest examples ("this speaker was not in training") and a
test can check that the shipped model recognises emotions of voices it never heard. Their audio is
read from the corpora folder when it is there; it is never part of the project.
"""

from __future__ import annotations

# One man and one woman from each of two corpora: English (RAVDESS actors 13 and 14) and Polish (nEMO).
DEMO_SPEAKERS: tuple[str, ...] = ("ravdess_13", "ravdess_14", "nemo_SM0", "nemo_KD0")
