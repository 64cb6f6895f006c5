"""Plotly figures of the Compare models and Explore data pages, in the dark style of ``ser.reports.audio_plots``.

Model figures take what ``ser.reports.model_report`` shapes from the stored files; data figures take the
tables of ``ser.reports.explore``. Draw them with ``st.plotly_chart(fig, theme=None)`` so Streamlit keeps
these colours (see ``ser.reports.audio_plots.MAGMA`` for why one Magma colour is nudged).
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ser.reports.audio_plots import EMOTION_COLOURS, MAGMA
from ser.reports.audio_plots import LAYOUT as BASE_LAYOUT
from ser.reports.model_report import Confusion, Curves, best_epoch, row_normalise

ACCENT = "#7c6cf2"  # the theme's primary colour: the default model
OTHERS = ["#4fb3bf", "#f4a259", "#9bc53d", "#e56b6f", "#f2cc8f", "#6fa8dc", "#f28fb0", "#81b29a", "#d9d9d9"]  # no purple: that is the default's
GENDER_COLOURS = {"female": "#e56b9f", "male": "#4fb3bf", "mixed": "#b39ddb", "unknown": "#9aa0a6"}  # mixed: a speaker id whose files name both
GRID = "rgba(255,255,255,0.08)"
MAX_LABELLED_MODELS = 6  # bar groups with more models than this carry no value labels (hover and the table have them)

LAYOUT = {**BASE_LAYOUT, "margin": dict(l=60, r=20, t=50, b=45), "height": 320, "hoverlabel": dict(align="left")}
_LEGEND_TOP = dict(orientation="h", yanchor="bottom", y=1.02, x=0, xanchor="left", bgcolor="rgba(0,0,0,0)")
_LEGEND_RIGHT = dict(orientation="v", yanchor="top", y=1, x=1.01, xanchor="left", bgcolor="rgba(0,0,0,0)")


def model_colours(models: Sequence[str], default: str | None = None) -> dict[str, str]:
    """The default model in the accent colour, the others in a fixed palette (same colour on every chart)."""
    out, k = {}, 0
    for m in models:
        if m == default:
            out[m] = ACCENT
        else:
            out[m] = OTHERS[k % len(OTHERS)]
            k += 1
    return out


def _empty(message: str, height: int = 200) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font=dict(size=14, color="#9aa0a6"), x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_layout(**{**LAYOUT, "height": height})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


# --------------------------------------------------------------------------- models


def headline_figure(table: pd.DataFrame, metric: str = "UAR", title: str | None = None) -> go.Figure:
    """Grouped bars: one group per protocol, one bar per model, each protocol's chance level dashed.

    ``table``: ``ser.reports.model_report.headline_figures`` (model, protocol, value, chance, default).
    """
    if table.empty:
        return _empty("No model has stored speaker-independent figures yet.")
    protocols = list(dict.fromkeys(table["protocol"]))
    models = list(dict.fromkeys(table["model"]))
    default = next((m for m, d in zip(table["model"], table["default"], strict=True) if d), None)
    colours = model_colours(models, default)
    fig = go.Figure()
    for m in models:
        part = table[table["model"] == m]
        fig.add_trace(go.Bar(
            x=part["protocol"], y=part["value"], name=html.escape(m), marker_color=colours[m],
            marker_line=dict(width=2 if m == default else 0, color="#ffffff"),
            text=[f"{v:.0f}" for v in part["value"]] if len(models) <= MAX_LABELLED_MODELS else None,  # more collide
            textposition="outside", textfont=dict(size=11),
            hovertemplate=f"<b>{html.escape(m)}</b><br>%{{x}}: {metric} %{{y:.1f}} %<extra></extra>",
        ))
    for i, protocol in enumerate(protocols):
        level = table.loc[table["protocol"] == protocol, "chance"].dropna()
        if level.empty:
            continue
        fig.add_shape(type="line", x0=i - 0.45, x1=i + 0.45, y0=float(level.iloc[0]), y1=float(level.iloc[0]),
                      line=dict(color="#e6e6ef", width=1.5, dash="dash"))
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=dict(color="#e6e6ef", dash="dash"), name="chance"))
    # The legend stands to the right, one model a line: on top, nine models wrapped onto a second line and ran into the title.
    fig.update_layout(title=title or f"{metric} on speakers never heard in training", barmode="group", bargap=0.2,
                      legend=_LEGEND_RIGHT, **{**LAYOUT, "height": max(380, 120 + 22 * (len(models) + 1)),
                                               "margin": dict(l=60, r=20, t=50, b=45)})
    fig.update_yaxes(title=f"{metric} (%)", range=[0, 105], gridcolor=GRID)
    return fig


def confusion_figure(confusion: Confusion, normalised: bool = False, title: str = "") -> go.Figure:
    """Heatmap, true class down, predicted class across; counts or row-normalised percentages in the cells."""
    counts = confusion.counts
    shares = 100 * row_normalise(counts)
    labels = list(confusion.labels)
    z = shares if normalised else counts
    custom = np.dstack([counts, shares])
    fig = go.Figure(go.Heatmap(
        z=z.tolist(), x=labels, y=labels, colorscale=MAGMA, zmin=0, zmax=100 if normalised else max(int(counts.max()), 1),
        text=[[f"{v:.0f}" for v in row] for row in z], texttemplate="%{text}", textfont=dict(size=12),
        customdata=custom.tolist(), xgap=1, ygap=1,
        colorbar=dict(title="% of row" if normalised else "clips", thickness=12),
        hovertemplate="true <b>%{y}</b> → predicted <b>%{x}</b><br>%{customdata[0]:.0f} clips "
                      "(%{customdata[1]:.1f} % of %{y})<extra></extra>",
    ))
    size = 150 + 42 * len(labels)
    fig.update_layout(title=dict(text=title, font=dict(size=14)), **{**LAYOUT, "height": size, "margin": dict(l=90, r=20, t=60, b=80)})
    fig.update_xaxes(title="predicted", side="bottom", tickangle=-35)
    fig.update_yaxes(title="true", autorange="reversed")
    return fig


def history_figure(curves: Sequence[Curves], title: str = "") -> go.Figure:
    """Loss and accuracy per epoch, train (dotted) and validation (solid); one colour per fold."""
    if not curves:
        return _empty("No training history is stored for this choice.")
    has_loss = any("loss" in c.series or "val_loss" in c.series for c in curves)
    panels = (["loss"] if has_loss else []) + ["accuracy"]
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[p if p == "loss" else "accuracy (%)" for p in panels],
                        horizontal_spacing=0.08)
    single = len(curves) == 1
    for k, c in enumerate(curves):
        colour = ACCENT if single else OTHERS[k % len(OTHERS)]
        name = c.title if single else c.title.split(":")[0]
        for col, panel in enumerate(panels, 1):
            for key, dash, width, part in ((panel, "dot", 1.5, "train"), (f"val_{panel}", "solid", 2.5, "validation")):
                values = c.series.get(key)
                if not values:
                    continue
                y = [100 * v for v in values] if panel == "accuracy" else values
                epochs = list(range(1, len(y) + 1))
                fig.add_trace(go.Scatter(
                    x=epochs, y=y, mode="lines+markers" if len(y) < 3 else "lines",
                    line=dict(color=colour if part == "validation" or not single else "#9aa0a6", dash=dash, width=width),
                    marker=dict(size=10, symbol="circle-open" if part == "train" else "circle"), name=part if single else name,
                    legendgroup=part if single else name, showlegend=col == 1 and (single or part == "validation"),
                    hovertemplate=f"{c.title}<br>{part} {panel}: %{{y:.3g}}<br>epoch %{{x}}<extra></extra>",
                ), row=1, col=col)
        best = best_epoch(c)
        if single and best is not None:
            for col in range(1, len(panels) + 1):
                fig.add_vline(x=best, line=dict(color="#f4c542", width=1, dash="dash"), row=1, col=col)
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=dict(color="#f4c542", width=1, dash="dash"),
                                     name=f"lowest validation loss (epoch {best})"), row=1, col=1)
    epochs = max(c.epochs for c in curves)
    fig.update_layout(title=title, legend=dict(orientation="h", x=1, xanchor="right", y=1.13, yanchor="bottom", font=dict(size=12),
                                               bgcolor="rgba(0,0,0,0)"),
                      **{**LAYOUT, "height": 380, "margin": dict(l=60, r=20, t=95, b=45)})
    if epochs < 3:  # a scikit-learn model: one fit, train (open) and validation (filled) accuracy side by side
        fig.update_xaxes(title="fitted in one step (no epochs): ○ training split, ● validation speakers", range=[0.5, epochs + 0.5],
                         showticklabels=False, showgrid=False)
    else:
        fig.update_xaxes(title="epoch", gridcolor=GRID)
    fig.update_yaxes(gridcolor=GRID)
    return fig


def per_class_f1_figure(models: Sequence[str], labels: Sequence[str], f1: np.ndarray, title: str = "F1 per emotion (%)") -> go.Figure:
    """Models × emotions heatmap of F1 over all folds pooled."""
    if len(models) == 0:
        return _empty("No model has per-class figures for this protocol.")
    text = [["–" if np.isnan(v) else f"{v:.0f}" for v in row] for row in f1]
    fig = go.Figure(go.Heatmap(
        z=f1, x=list(labels), y=[html.escape(m) for m in models], colorscale=MAGMA, zmin=0, zmax=100, text=text, texttemplate="%{text}",
        xgap=1, ygap=1, colorbar=dict(title="F1 %", thickness=12),
        hovertemplate="<b>%{y}</b><br>%{x}: F1 %{z:.1f} %<extra></extra>",
    ))
    fig.update_layout(title=title, **{**LAYOUT, "height": 140 + 36 * len(models), "margin": dict(l=130, r=20, t=50, b=60)})
    fig.update_yaxes(autorange="reversed")
    return fig


def fold_figure(table: pd.DataFrame, chance: float | None, metric: str = "accuracy", default: str | None = None) -> go.Figure:
    """Each fold's figure as a dot per model (hover: which speakers were tested), the fold mean as a bar; one row per
    model (horizontal, so nine model names need no squashing), chance a dashed line labelled above the plot."""
    if table.empty:
        return _empty("No per-fold figures are stored for this protocol.")
    models = list(dict.fromkeys(table["model"]))
    colours = model_colours(models, default)
    means = table.groupby("model", sort=False)["value"].mean()
    names = [html.escape(m) for m in models]
    fig = go.Figure(go.Bar(y=names, x=[means[m] for m in models], orientation="h", marker_color=[colours[m] for m in models],
                           opacity=0.35, name="mean over folds", hovertemplate="%{y}: mean %{x:.1f} %<extra></extra>"))
    fig.add_trace(go.Scatter(
        y=[html.escape(m) for m in table["model"]], x=table["value"], mode="markers", name="one fold",
        marker=dict(size=9, color=[colours[m] for m in table["model"]], line=dict(width=1, color="#0f1117")),
        customdata=np.stack([table["fold"], [html.escape(s) for s in table["test speakers"]]], axis=1),
        hovertemplate="%{y} · fold %{customdata[0]}<br>tested on %{customdata[1]}<br>" + metric + " %{x:.1f} %<extra></extra>",
    ))
    if chance is not None:
        fig.add_vline(x=100 * chance, line=dict(color="#e6e6ef", dash="dash", width=1.5))
        fig.add_annotation(x=100 * chance, y=1, xref="x", yref="paper", yanchor="bottom", showarrow=False,
                           text=f"chance {100 * chance:.1f} %", font=dict(size=11, color="#e6e6ef"))
    fig.update_layout(title=f"{metric.capitalize()} per fold", showlegend=False,
                      **{**LAYOUT, "height": 110 + 30 * len(models), "margin": dict(l=150, r=20, t=60, b=45)})
    fig.update_xaxes(title=f"{metric} (%)", range=[0, 100], gridcolor=GRID)
    fig.update_yaxes(autorange="reversed")
    return fig


# --------------------------------------------------------------------------- data


def class_figure(counts: pd.DataFrame) -> go.Figure:
    """Clips per emotion, one bar group per emotion and one colour per dataset. ``counts``: emotion × dataset."""
    if counts.empty:
        return _empty("No labelled clips.")
    fig = go.Figure()
    for k, dataset in enumerate(counts.columns):
        fig.add_trace(go.Bar(x=list(counts.index), y=counts[dataset], name=html.escape(str(dataset)), marker_color=OTHERS[k % len(OTHERS)],
                             text=[str(n) if n else "" for n in counts[dataset]] if len(counts.columns) <= 3 else None,  # more collide
                             textposition="outside", textfont=dict(size=11),
                             hovertemplate=f"{html.escape(str(dataset))} · %{{x}}: %{{y}} clips<extra></extra>"))
    # Legends stand to the right: on top, seven corpora wrapped onto a second line and ran into the title.
    fig.update_layout(title="Clips per emotion", barmode="group", legend=_LEGEND_RIGHT,
                      **{**LAYOUT, "height": 340, "margin": dict(l=60, r=20, t=60, b=45)})
    fig.update_xaxes(tickangle=0 if len(counts.index) <= 6 else -30)
    fig.update_yaxes(title="clips", gridcolor=GRID)
    return fig


def speaker_figure(speakers: pd.DataFrame) -> go.Figure:
    """Clips per speaker: one dot per speaker, grouped by dataset and coloured by gender, over a box of each
    group (hover names the speaker). ``speakers``: ``ser.reports.explore.speaker_table``. A bar per speaker,
    as before seven corpora came, left the 141 speakers a few pixels each; a log scale keeps TESS's 1,400
    clips a speaker and URDU's handful on one readable axis."""
    if speakers.empty:
        return _empty("No speakers.")
    datasets = [html.escape(d) for d in dict.fromkeys(speakers["dataset"])]
    genders = sorted(dict.fromkeys(speakers["gender"]), key=lambda g: list(GENDER_COLOURS).index(g) if g in GENDER_COLOURS else 99)
    fig = go.Figure()
    for gender in genders:
        part = speakers[speakers["gender"] == gender]
        colour = GENDER_COLOURS.get(gender, GENDER_COLOURS["unknown"])
        fig.add_trace(go.Box(
            x=[html.escape(d) for d in part["dataset"]], y=part["clips"], name=gender, marker_color=colour,
            boxpoints="all", jitter=0.5, pointpos=0, marker=dict(size=6, opacity=0.85), line=dict(width=1),
            fillcolor="rgba(0,0,0,0)", customdata=[html.escape(s) for s in part["speaker"]],
            hovertemplate="%{customdata} (" + gender + "): %{y} clips<extra></extra>",
        ))
    fig.update_layout(title="Clips per speaker", legend=_LEGEND_RIGHT, boxmode="group", boxgroupgap=0.2,
                      **{**LAYOUT, "height": 340, "margin": dict(l=60, r=20, t=60, b=45)})
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=datasets)
    many = int(speakers["clips"].max()) > 20 * max(int(speakers["clips"].min()), 1)
    fig.update_yaxes(title="clips per speaker" + (" (log scale)" if many else ""), gridcolor=GRID,
                     **({"type": "log", "dtick": 1} if many else {"rangemode": "tozero"}))  # log ticks at 1, 10, 100, ... only
    return fig


def feature_figure(table: pd.DataFrame, feature: str, title: str, unit: str) -> go.Figure:
    """Distribution of one clip feature per emotion (box + every clip as a dot), one panel per dataset."""
    data = table.dropna(subset=[feature]) if feature in table else table.iloc[0:0]
    if data.empty:
        return _empty(f"No clip gave a value for {title.lower()}.")
    datasets = list(dict.fromkeys(data["dataset"]))
    emotions = {d: list(dict.fromkeys(data.loc[data["dataset"] == d, "emotion"])) for d in datasets}
    # Each panel as wide as its emotions need, so every box keeps its label (equal panels made plotly skip
    # every other label of the 8-emotion corpora when seven corpora shared the width).
    fig = make_subplots(rows=1, cols=len(datasets), shared_yaxes=True, subplot_titles=[html.escape(d) for d in datasets],
                        column_widths=[max(len(emotions[d]), 3) for d in datasets], horizontal_spacing=0.02)
    for col, dataset in enumerate(datasets, 1):
        part = data[data["dataset"] == dataset]
        fig.update_xaxes(type="category", tickmode="array", tickvals=emotions[dataset], row=1, col=col)
        for emotion in emotions[dataset]:
            values = part[part["emotion"] == emotion]
            fig.add_trace(go.Box(
                y=values[feature], name=emotion, marker_color=EMOTION_COLOURS.get(emotion, ACCENT), boxpoints="all", jitter=0.4,
                pointpos=0, marker=dict(size=4, opacity=0.7), line=dict(width=1.5), showlegend=False,
                customdata=[[html.escape(a), html.escape(b)] for a, b in zip(values["speaker"], values["file"], strict=True)],
                hovertemplate=f"{emotion}: %{{y:.3g}} {unit}<br>%{{customdata[0]}} · %{{customdata[1]}}<extra></extra>",
            ), row=1, col=col)
    fig.update_layout(title=title, **{**LAYOUT, "height": 400, "margin": dict(l=60, r=20, t=80, b=45)})
    fig.update_xaxes(tickangle=-90, tickfont=dict(size=11))
    fig.update_yaxes(title_text=f"{title} ({unit})" if unit else title, row=1, col=1)
    fig.update_yaxes(gridcolor=GRID)
    return fig


def example_figure(fig: go.Figure, title: str, height: int = 230) -> go.Figure:
    """A ``ser.reports.audio_plots`` figure made compact for a grid of examples."""
    fig.update_layout(title=dict(text="<br>".join(textwrap.wrap(title, 60)), font=dict(size=13)), height=height,
                      margin=dict(l=55, r=10, t=40, b=40))
    return fig
