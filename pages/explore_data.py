"""Explore data: classes, speakers, one example per emotion and acoustic features per emotion of a corpus."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import streamlit as st

from pages.through_app import through_app
from ser.audio.decode import decode
from ser.audio.features import FeatureConfig, extract_frames
from ser.data.corpora import Row
from ser.errors import AudioError, CorpusError
from ser.markup import escape_markdown
from ser.reports import explore
from ser.reports.audio_plots import chroma_figure, log_mel_figure, waveform_figure
from ser.reports.charts import class_figure, example_figure, feature_figure, speaker_figure

through_app()  # first, before anything is drawn

VIEW_CONFIG = FeatureConfig()
VIEWS = ["Log-mel spectrogram", "Waveform", "Chroma"]


def _stamp(path: Path) -> float:
    """Modification time of a folder or manifest, so an edited corpus is read again."""
    target = path / "MANIFEST.csv" if (path / "MANIFEST.csv").is_file() else path
    return target.stat().st_mtime if target.exists() else 0.0


@st.cache_data(max_entries=4, show_spinner="Reading the corpus…")
def corpus(source: str, stamp: float) -> tuple[list[Row], str, int]:
    """Rows, the problems summary and the number of problems (cached per location and modification time)."""
    scan = explore.load_source(source)
    return scan.rows, scan.summary() if scan.problems else "", len(scan.problems)


@st.cache_data(max_entries=64, show_spinner=False)
def example(path: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """16 kHz samples and the frames drawn for one example clip."""
    samples = decode(path, target_rate=explore.SAMPLE_RATE).samples
    return samples, extract_frames(samples, VIEW_CONFIG, kinds=("log_mel", "chroma"))


@st.cache_data(max_entries=20_000, show_spinner=False)
def features_of(path: str, stamp: float) -> dict[str, float] | str:
    """One clip's features, or the reason it could not be decoded (cached per file and modification time)."""
    try:
        return explore.file_features(path)
    except AudioError as exc:
        return exc.message


st.title("Explore the data")
st.caption("The corpora the models learn from: who speaks, which emotions, what they sound like and how they differ. "
           "Audio is read from the folder you point at and never copied.")

typed = st.sidebar.text_input(
    "Corpus folder or manifest", value=explore.default_source(), key="data_source",
    help=f"A folder (RAVDESS, TESS, SAVEE, CREMA-D, EmoDB layouts, or one with MANIFEST.csv) or a manifest CSV. "
         f"Default: ${explore.ENV_VAR}, else ../shared/data/corpora. Relative paths start at the project folder.",
)
per_emotion = st.sidebar.slider("Clips per emotion for the feature charts", 4, 40, 8, step=4, key="per_emotion",
                                help="Per dataset and emotion, spread over the speakers; the same clips every time.")

if not typed.strip():  # a fresh clone: no corpus yet is the normal state, not an error
    st.info("**No corpus folder is set yet.** The models are already trained, so Analyze, Batch and Compare models work "
            "without one; this page needs the audio of an emotional-speech corpus to show what it holds.\n\n"
            + explore.HOW_TO_POINT, icon=":material/folder_open:")
    st.stop()
try:
    location = explore.resolve_source(typed)
    rows, problems, n_problems = corpus(str(location), _stamp(location))
except CorpusError as exc:
    st.error(escape_markdown(exc.message), icon=":material/folder_off:")
    st.info(explore.HOW_TO_POINT, icon=":material/info:")
    st.stop()

st.sidebar.caption(f"Reading {escape_markdown(str(location))}")
table = explore.dataset_table(rows)
cols = st.columns(4)
cols[0].metric("Clips", f"{len(rows):,}")
cols[1].metric("Speakers", f"{int(table['speakers'].sum())}")
cols[2].metric("Datasets", f"{len(table)}", help=escape_markdown(", ".join(table["dataset"])))
cols[3].metric("Unusable files", f"{n_problems}", help="Files whose name or manifest row could not be used (see below)")
if problems:
    with st.expander(f"{n_problems} files could not be used"):
        st.code(problems, language=None)

st.subheader("Classes and speakers")
# One above the other when there are many corpora: side by side, the two charts were too narrow.
many = explore.class_counts(rows).shape[1] > 3
left, right = (st.container(), st.container()) if many else st.columns(2)
with left:
    st.plotly_chart(class_figure(explore.class_counts(rows)), width="stretch", theme=None)
with right:
    st.plotly_chart(speaker_figure(explore.speaker_table(rows)), width="stretch", theme=None)
st.dataframe(table, hide_index=True, width="stretch")

st.subheader("What each emotion sounds like")
datasets = list(table["dataset"])
c1, c2 = st.columns([1, 2])
dataset = c1.selectbox("Dataset", datasets, key="example_dataset")
view = c2.radio("View", VIEWS, horizontal=True, key="example_view")
chosen = explore.examples(rows, dataset)
speakers = sorted({r.speaker for r in chosen.values()})
st.caption(f"One clip per emotion, all by {escape_markdown(speakers[0])}" if len(speakers) == 1 else
           f"One clip per emotion (speakers {escape_markdown(', '.join(speakers))}); normal intensity where there is a choice.")
grid = st.columns(2)
for k, (emotion, row) in enumerate(chosen.items()):
    with grid[k % 2]:
        name = Path(row.path).name
        try:
            samples, frames = example(row.path)
        except AudioError as exc:
            st.warning(f"{emotion}: {escape_markdown(exc.message)}", icon=":material/warning:")
            continue
        title = f"<b>{emotion}</b> · {html.escape(name)} · {len(samples) / explore.SAMPLE_RATE:.1f} s"
        if view == "Waveform":
            fig = waveform_figure(samples, explore.SAMPLE_RATE)
        elif view == "Chroma":
            fig = chroma_figure(frames["chroma"], VIEW_CONFIG)
        else:
            fig = log_mel_figure(frames["log_mel"], VIEW_CONFIG)
        st.plotly_chart(example_figure(fig, title), width="stretch", theme=None)
        st.audio(samples, sample_rate=explore.SAMPLE_RATE)

st.subheader("How the emotions differ")
sample = explore.sample_rows(rows, per_emotion)
st.caption(f"Simple acoustic measures of {len(sample)} clips: up to {per_emotion} per dataset and emotion, spread over the "
           "speakers, the same clips on every visit. Each dot is a clip; hover for its speaker and file.")
bar = st.progress(0.0, text="Measuring pitch, loudness and voicing…")
values, failures = [], []
for i, row in enumerate(sample, 1):
    result = features_of(row.path, Path(row.path).stat().st_mtime if Path(row.path).exists() else 0.0)
    if isinstance(result, str):
        failures.append(result)
        values.append(None)
    else:
        values.append(result)
    if i % 4 == 0 or i == len(sample):
        bar.progress(i / len(sample), text=f"Measuring pitch, loudness and voicing… {i}/{len(sample)} clips")
bar.empty()
features = explore.feature_table(sample, values)
for message in failures[:3]:
    st.warning(escape_markdown(message), icon=":material/warning:")
feature = st.selectbox("Measure", list(explore.FEATURES), format_func=lambda f: explore.FEATURES[f].title, key="feature")
info = explore.FEATURES[feature]
st.plotly_chart(feature_figure(features, feature, info.title, info.unit), width="stretch", theme=None)
st.caption(f"**{info.title}**: {info.meaning}.")
with st.expander("Medians per dataset and emotion"):
    summary = explore.feature_summary(features)
    summary = summary.rename(columns={f: f"{explore.FEATURES[f].title} ({explore.FEATURES[f].unit})" for f in explore.FEATURES})
    st.dataframe(summary, hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.1f") for c in summary.columns[3:]})
