"""Figures: time axes in seconds, long inputs reduced before drawing."""

from __future__ import annotations

import numpy as np
import pytest

from ser import testing
from ser.audio.features import FeatureConfig, extract_frames
from ser.reports import audio_plots as plots


def test_short_waveform_is_drawn_sample_by_sample(speech):
    fig = plots.waveform_figure(speech[:2000], 16000)
    assert len(fig.data) == 1 and len(fig.data[0].x) == 2000
    assert fig.data[0].x[-1] == pytest.approx(1999 / 16000)


def test_long_waveform_becomes_an_envelope():
    y = testing.speech_like(600.0, seed=2)  # 10 minutes
    t, low, high = plots.waveform_envelope(y, 16000)
    assert len(t) <= plots.MAX_WAVE_POINTS
    assert t[-1] == pytest.approx(600.0, abs=0.2)
    assert high.max() == pytest.approx(np.max(y[: len(t) * (len(y) // len(t))]), rel=1e-6)
    assert np.all(low <= high)


def test_heatmaps_have_seconds_and_are_pooled():
    config = FeatureConfig()
    y = testing.speech_like(60.0, seed=3)
    frames = extract_frames(y, config, kinds=("log_mel", "mfcc", "chroma"))
    mel = plots.log_mel_figure(frames["log_mel"], config)
    assert len(mel.data[0].x) <= plots.MAX_HEATMAP_COLUMNS
    assert mel.data[0].x[-1] == pytest.approx(60.0, abs=0.1)
    assert len(mel.data[0].y) == config.n_mels and mel.data[0].y[0].endswith("Hz")
    assert mel.data[0].zmax - mel.data[0].zmin == plots.DYNAMIC_RANGE_DB
    assert len(plots.mfcc_figure(frames["mfcc"], config).data[0].y) == config.n_mfcc
    assert list(plots.chroma_figure(frames["chroma"], config).data[0].y)[9] == "A"


def test_colours_avoid_streamlit_placeholders():
    reserved = {f"#00000{i}" for i in range(1, 10)}
    assert not reserved.intersection(c.lower() for c in plots.MAGMA)
