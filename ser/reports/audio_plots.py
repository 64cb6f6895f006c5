"""Plotly figures of audio and features, with time axes in seconds.

Long inputs are reduced before drawing (min/max envelope for the waveform, frame pooling
for heatmaps) so a browser never receives millions of points.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.colors
import plotly.graph_objects as go

from ser.audio.features import FeatureConfig

MAX_WAVE_POINTS = 4000  # envelope columns for the waveform
MAX_HEATMAP_COLUMNS = 1500  # time columns for heatmaps
MIN_WAVE_RANGE = 1e-3  # the waveform's y axis spans at least ±this (-60 dBFS), so near-silence is not blown up to noise
MFCC_Z_RANGE = 3.0  # MFCC colours: each coefficient's deviation from its own mean, in standard deviations, clipped here
# Magma, but Streamlit's Plotly front end treats "#000001"…"#000004" as theme placeholders and
# repaints them (Magma starts at "#000004"), so its first colour is nudged to an unreserved near-black.
MAGMA = ["#010005", *plotly.colors.sequential.Magma[1:]]
DYNAMIC_RANGE_DB = 80.0  # spectrogram colour range below its loudest cell
NOTE_NAMES = ("C", "C♯", "D", "D♯", "E", "F", "F♯", "G", "G♯", "A", "A♯", "B")

LAYOUT = dict(
    template="plotly_dark",
    font=dict(family='"Source Sans Pro", "Source Sans 3", sans-serif', size=13),
    margin=dict(l=60, r=20, t=40, b=45),
    height=280,
    paper_bgcolor="rgba(0,0,0,0)",
    plot_bgcolor="rgba(0,0,0,0)",
)


def waveform_figure(samples: np.ndarray, sample_rate: int, title: str = "Waveform") -> go.Figure:
    """Waveform; above MAX_WAVE_POINTS samples it is drawn as a min/max envelope. The y axis is scaled to the clip's
    peak (a quiet clip fills the chart instead of looking flat at ±1), and the title states that peak in dBFS."""
    t, low, high = waveform_envelope(samples, sample_rate)
    fig = go.Figure()
    if low is None:
        fig.add_trace(go.Scatter(x=t, y=high, mode="lines", line=dict(width=1, color="#7c6cf2"), name="amplitude"))
    else:
        fig.add_trace(go.Scatter(x=t, y=high, mode="lines", line=dict(width=0.5, color="#7c6cf2"), name="max"))
        fig.add_trace(
            go.Scatter(x=t, y=low, mode="lines", fill="tonexty", line=dict(width=0.5, color="#7c6cf2"), name="min")
        )
    peak = float(np.max(np.abs(samples))) if len(samples) else 0.0
    limit = 1.05 * max(peak, MIN_WAVE_RANGE)
    stated = f"peak {20 * np.log10(peak):.1f} dBFS" if peak > 0 else "silent"
    fig.update_layout(title=f"{title} · {stated}", showlegend=False, **LAYOUT)
    fig.update_xaxes(title="time (s)")
    fig.update_yaxes(title="amplitude (full scale ±1)", range=[-limit, limit])
    return fig


def waveform_envelope(
    samples: np.ndarray, sample_rate: int, max_points: int = MAX_WAVE_POINTS
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """(times, minima, maxima) per column; minima is None when the samples are drawn as they are."""
    n = len(samples)
    if n <= max_points:
        return np.arange(n) / sample_rate, None, samples
    step = int(np.ceil(n / max_points))
    usable = (n // step) * step
    blocks = samples[:usable].reshape(-1, step)
    times = (np.arange(len(blocks)) * step + step / 2) / sample_rate
    return times, blocks.min(axis=1), blocks.max(axis=1)


def feature_heatmap(
    frames: np.ndarray,
    config: FeatureConfig,
    title: str,
    y_title: str,
    y_labels: list[str] | None = None,
    colorscale: str | list[str] = MAGMA,
    colorbar_title: str = "",
    z_range: tuple[float, float] | None = None,
    hover_values: np.ndarray | None = None,
) -> go.Figure:
    """A (n_frames, dims) matrix as a time × dimension heatmap; long inputs are mean-pooled in time.
    ``hover_values`` (same shape as ``frames``): what hovering a cell shows instead of its colour value."""
    pooled, step = pool_frames(frames, MAX_HEATMAP_COLUMNS)
    seconds_per_frame = config.hop_length / config.sample_rate
    times = (np.arange(len(pooled)) * step + (step - 1) / 2) * seconds_per_frame
    y = y_labels if y_labels is not None else list(range(frames.shape[1]))
    shown = None if hover_values is None else pool_frames(hover_values, MAX_HEATMAP_COLUMNS)[0].T
    fig = go.Figure(
        go.Heatmap(
            z=pooled.T,
            x=times,
            y=y,
            colorscale=colorscale,
            zmin=None if z_range is None else z_range[0],
            zmax=None if z_range is None else z_range[1],
            colorbar=dict(title=colorbar_title, thickness=12),
            customdata=shown,
            hovertemplate="t=%{x:.2f} s<br>%{y}<br>%{" + ("z" if shown is None else "customdata") + ":.2f}<extra></extra>",
        )
    )
    fig.update_layout(title=title, **LAYOUT)
    fig.update_xaxes(title="time (s)")
    fig.update_yaxes(title=y_title)
    return fig


def pool_frames(frames: np.ndarray, max_columns: int) -> tuple[np.ndarray, int]:
    """Mean-pool consecutive frames so at most ``max_columns`` remain; returns (pooled, step)."""
    n = frames.shape[0]
    if n <= max_columns:
        return frames, 1
    step = int(np.ceil(n / max_columns))
    usable = (n // step) * step
    pooled = frames[:usable].reshape(-1, step, frames.shape[1]).mean(axis=1)
    return pooled, step


def log_mel_figure(log_mel: np.ndarray, config: FeatureConfig) -> go.Figure:
    """Log-mel spectrogram with the mel bands labelled by their centre frequency in Hz."""
    import librosa

    centres = librosa.mel_frequencies(n_mels=config.n_mels + 2, fmin=config.fmin, fmax=config.mel_fmax)[1:-1]
    labels = [f"{hz:.0f} Hz" for hz in centres]
    top = float(log_mel.max())
    z_range = (top - DYNAMIC_RANGE_DB, top)  # the usual 80 dB display range below the loudest cell
    return feature_heatmap(log_mel, config, "Log-mel spectrogram", "mel band", labels, MAGMA, "dB", z_range)


def mfcc_figure(mfcc: np.ndarray, config: FeatureConfig) -> go.Figure:
    """MFCC heatmap (coefficients only: deltas are left out of the picture). Each coefficient is coloured by its
    deviation from its own mean over the clip, in standard deviations (``per_coefficient``): c0 (overall
    loudness) is tens of times larger than the others and would otherwise paint the chart one flat colour.
    Hovering a cell shows the coefficient's own value."""
    coefficients = mfcc[:, : config.n_mfcc]
    labels = [f"c{i}" for i in range(config.n_mfcc)]
    return feature_heatmap(per_coefficient(coefficients), config, "MFCC (each coefficient relative to its mean)", "coefficient",
                           labels, "RdBu_r", "σ from mean", (-MFCC_Z_RANGE, MFCC_Z_RANGE), hover_values=coefficients)


def per_coefficient(frames: np.ndarray) -> np.ndarray:
    """Each column as its deviation from its own mean in standard deviations (a constant column becomes 0)."""
    frames = np.asarray(frames, dtype=np.float64)
    spread = frames.std(axis=0)
    return (frames - frames.mean(axis=0)) / np.where(spread > 1e-9, spread, 1.0)


def chroma_figure(chroma: np.ndarray, config: FeatureConfig) -> go.Figure:
    """Chroma (pitch class energy) heatmap."""
    return feature_heatmap(chroma, config, "Chroma", "pitch class", list(NOTE_NAMES), "Viridis", "")


EMOTION_COLOURS = {
    "neutral": "#9aa0a6",
    "calm": "#7fb3d5",
    "happy": "#f4c542",
    "sad": "#5b7bd5",
    "angry": "#e0553d",
    "fearful": "#9b6bd3",
    "disgust": "#5fae6b",
    "surprised": "#f08bb6",
}


def probability_figure(probabilities: dict[str, float], title: str = "Emotion probabilities") -> go.Figure:
    """Horizontal bars, most likely emotion on top, each emotion in its own colour."""
    ranked = sorted(probabilities.items(), key=lambda kv: kv[1])
    labels = [k for k, _ in ranked]
    values = [100 * v for _, v in ranked]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            marker_color=[EMOTION_COLOURS.get(k, "#7c6cf2") for k in labels],
            text=[f"{v:.0f} %" for v in values],
            textposition="outside",
            hovertemplate="%{y}: %{x:.1f} %<extra></extra>",
        )
    )
    fig.update_layout(title=title, **{**LAYOUT, "height": 40 + 34 * len(labels)})
    fig.update_xaxes(range=[0, 105], title="probability (%)")
    return fig


def timeline_figure(segments, duration: float, title: str = "Emotion over time") -> go.Figure:
    """Stacked probability bars, one per speech segment (as wide as the segment), on a time axis in
    seconds; hovering a segment shows its time, top emotion, its likeliest emotions and what was said in it.

    ``segments``: ``ser.analysis.timeline.TimelineSegment`` objects (start, end, probabilities, text).
    A transparent layer on top (the last trace, one bar per segment over the full height) takes the
    hover and the click: clicking a segment selects that segment as a whole, so the other segments are
    dimmed and every emotion of the clicked one stays as it was (Plotly selects per trace and point, so
    a click on one emotion's bar would otherwise dim the rest of its segment). ``picked_segment`` reads
    the selection back.
    """
    labels = list(segments[0].probabilities) if segments else []
    middles = [(s.start + s.end) / 2 for s in segments]
    widths = [max(s.end - s.start - 0.05, 0.05) for s in segments]
    hover_text = []
    for s in segments:
        likeliest = sorted(s.probabilities.items(), key=lambda kv: -kv[1])[:3]
        hover_text.append(
            f"{s.start:.1f}–{s.end:.1f} s · <b>{s.emotion}{'?' if s.uncertain else ''}</b> {100 * s.confidence:.0f} %"
            + "<br>" + " · ".join(f"{k} {100 * v:.0f} %" for k, v in likeliest)
            + (f"<br><i>{_wrap(s.text)}</i>" if s.text else "")
        )
    fig = go.Figure()
    for label in labels:
        fig.add_trace(
            go.Bar(
                x=middles,
                y=[100 * s.probabilities[label] for s in segments],
                width=widths,
                name=label,
                marker_color=EMOTION_COLOURS.get(label, "#7c6cf2"),
                hoverinfo="skip",  # the segment layer above answers hover and click for the whole segment
                selected=dict(marker=dict(opacity=1)),
                unselected=dict(marker=dict(opacity=1)),
            )
        )
    fig.add_trace(
        go.Bar(
            x=middles,
            y=[1] * len(segments),
            width=[s.end - s.start for s in segments],
            yaxis="y2",
            name=SEGMENT_LAYER,
            showlegend=False,
            marker=dict(color="rgba(0,0,0,0)", line=dict(width=0)),
            selected=dict(marker=dict(color="rgba(0,0,0,0)")),
            unselected=dict(marker=dict(color="rgba(14,17,23,0.62)")),  # the page background over the others
            customdata=hover_text,
            hovertemplate="%{customdata}<extra></extra>",
        )
    )
    fig.update_layout(title=title, barmode="stack", bargap=0, **{**LAYOUT, "height": 320},
                      # beside the bars, not above them: a segment's hover box opens at the top of the plot
                      legend=dict(orientation="v", yanchor="top", y=1, x=1.01, xanchor="left"),
                      yaxis2=dict(overlaying="y", range=[0, 1], visible=False, fixedrange=True))
    step = next((d for d in (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800) if duration / d <= 10), 3600)
    fig.update_xaxes(type="linear", range=[0, max(duration, 0.1)], title="time (s)", tickmode="linear", tick0=0, dtick=step)
    fig.layout.yaxis.update(range=[0, 100], title="probability (%)")  # not update_yaxes: that would rescale yaxis2 too
    return fig


SEGMENT_LAYER = "segment"  # name of the timeline's clickable layer


def picked_segment(points: Sequence[Mapping[str, Any]], n_segments: int) -> int | None:
    """The segment a click on ``timeline_figure`` picked, from Streamlit's selection points (dicts with
    ``point_index``), or None. Every trace of the figure has one point per segment in time order, so a
    point's index is its segment whichever trace it belongs to; with several points (shift-click) the
    first in time wins."""
    indices = sorted(int(p["point_index"]) for p in points
                     if isinstance(p.get("point_index"), int) and 0 <= p["point_index"] < n_segments)
    return indices[0] if indices else None


def _wrap(text: str, width: int = 60) -> str:
    return "<br>".join(textwrap.wrap(text, width)[:4])
