"""One shared Predictor per model and process; the dashboard's start-up warm-up fills it."""

from __future__ import annotations

import pytest

from ser.models.artifacts import ModelError, default_model_name
from ser.models.predictor import shared, warm_up


def test_shared_predictor_is_loaded_once_per_model():
    first = shared()
    assert shared(default_model_name()) is first
    assert shared(first.loaded.folder) is first  # a path to the same folder


def test_warm_up_loads_the_model_in_the_background_and_never_raises():
    thread = warm_up(transcription=False)
    thread.join(timeout=300)
    assert not thread.is_alive()
    with pytest.raises(ModelError):
        shared("no-such-model")
    bad = warm_up("no-such-model", transcription=False)  # the error is left to the request that needs it
    bad.join(timeout=60)
    assert not bad.is_alive()
