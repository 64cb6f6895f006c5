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


def _segments():
    from ser.analysis.timeline import TimelineSegment

    labels = ("neutral", "happy", "angry")
    rows = [(0.0, 2.0, (0.7, 0.2, 0.1)), (2.5, 5.0, (0.1, 0.3, 0.6)), (5.5, 9.0, (0.2, 0.5, 0.3))]
    return [TimelineSegment(a, b, dict(zip(labels, p, strict=True))) for a, b, p in rows]


def test_a_click_on_the_timeline_picks_the_whole_segment():
    """Plotly selects one (trace, point) per click and dims every other point of every trace, so a click on a
    stacked bar greyed out the rest of its own segment (its top emotion included). The clickable layer on
    top takes the click for the whole segment; the emotion bars never dim, the layer dims the other segments."""
    segments = _segments()
    fig = plots.timeline_figure(segments, 9.0)
    *emotions, layer = fig.data
    assert [t.name for t in emotions] == ["neutral", "happy", "angry"] and layer.name == plots.SEGMENT_LAYER
    for trace in emotions:  # never dimmed, never the click target
        assert trace.hoverinfo == "skip"
        assert trace.selected.marker.opacity == 1 and trace.unselected.marker.opacity == 1
    assert layer.yaxis == "y2" and fig.layout.yaxis2.overlaying == "y" and list(layer.y) == [1, 1, 1]
    assert tuple(fig.layout.yaxis2.range) == (0, 1) and tuple(fig.layout.yaxis.range) == (0, 100)  # the layer spans the height
    assert list(layer.x) == [1.0, 3.75, 7.25] and list(layer.width) == [2.0, 2.5, 3.5]  # each segment's full span
    assert layer.selected.marker.color == "rgba(0,0,0,0)"  # the picked segment stays as it is
    assert layer.unselected.marker.color.startswith("rgba(") and not layer.unselected.marker.color.endswith(",0)")
    assert "neutral 70 %" in layer.customdata[0] and "happy 50 %" in layer.customdata[2]


def test_the_timeline_legend_stands_beside_the_plot_where_hover_boxes_do_not_open():
    """A segment's hover box opens at the top of the plot (the clickable layer is full height): a legend
    above the plot was partly hidden under it."""
    legend = plots.timeline_figure(_segments(), 9.0).layout.legend
    assert legend.orientation == "v" and legend.x > 1 and legend.xanchor == "left"


@pytest.mark.parametrize("points,expected", [
    ([], None),
    ([{"curve_number": 3, "point_index": 1, "point_number": 1}], 1),
    ([{"curve_number": 0, "point_index": 2}], 2),  # a click on an emotion's bar still names its segment
    ([{"curve_number": 3, "point_index": 2}, {"curve_number": 3, "point_index": 0}], 0),  # shift-click: the earliest
    ([{"curve_number": 3, "point_index": 7}], None),  # out of range (a stale selection of another file)
    ([{"curve_number": 3}], None),
])
def test_picked_segment(points, expected):
    assert plots.picked_segment(points, 3) == expected


def test_mfcc_shows_structure_in_every_coefficient():
    """c0 is tens of times larger than the other coefficients: on one shared scale the chart was one flat colour."""
    config = FeatureConfig()
    frames = extract_frames(testing.speech_like(4.0, seed=5), config, kinds=("mfcc",))["mfcc"]
    coefficients = frames[:, : config.n_mfcc]
    assert np.ptp(coefficients[:, 0]) > 5 * np.median(np.ptp(coefficients[:, 1:], axis=0))  # why one scale failed
    heatmap = plots.mfcc_figure(frames, config).data[0]
    z = np.array(heatmap.z)
    assert z.shape == (config.n_mfcc, len(coefficients))
    assert np.allclose(z.mean(axis=1), 0, atol=1e-6) and np.allclose(z.std(axis=1), 1, atol=1e-6)  # every row uses the scale
    assert (heatmap.zmin, heatmap.zmax) == (-plots.MFCC_Z_RANGE, plots.MFCC_Z_RANGE)
    assert np.allclose(np.array(heatmap.customdata), coefficients.T)  # hovering shows the coefficient's own value
    assert np.array_equal(plots.per_coefficient(np.ones((5, 2))), np.zeros((5, 2)))


@pytest.mark.parametrize("gain,expected_title", [(0.01, "peak -50.5 dBFS"), (1.0, "peak -10.5 dBFS")])
def test_waveform_axis_follows_the_peak(speech, gain, expected_title):
    """A quiet clip fills the chart instead of looking flat on a fixed ±1 axis; the title states the peak."""
    y = speech * gain
    peak = float(np.max(np.abs(y)))
    fig = plots.waveform_figure(y, 16000)
    assert tuple(fig.layout.yaxis.range) == pytest.approx((-1.05 * peak, 1.05 * peak))
    assert fig.layout.title.text == f"Waveform · {expected_title}"
    silent = plots.waveform_figure(np.zeros(1600, np.float32), 16000)
    assert silent.layout.title.text == "Waveform · silent" and silent.layout.yaxis.range[1] == pytest.approx(1.05e-3)
