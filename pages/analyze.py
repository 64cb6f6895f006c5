"""Analyze: record or upload audio, see its quality report and what it looks like."""

from __future__ import annotations

import streamlit as st

from ser.artifacts import ModelError, default_model_name, list_models, models_dir
from ser.checks import Clip, load_clip
from ser.errors import AudioError, SerError
from ser.experiment import headline
from ser.features import FeatureConfig, extract_frames
from ser.plots import chroma_figure, log_mel_figure, mfcc_figure, probability_figure, waveform_figure
from ser.predictor import Predictor, top_emotion

UPLOAD_TYPES = ["wav", "flac", "ogg", "oga", "opus", "mp3", "m4a", "aac", "mp4", "webm", "aif", "aiff"]
VIEW_CONFIG = FeatureConfig()


@st.cache_data(max_entries=8, show_spinner=False)
def analyse(data: bytes, name: str) -> tuple[Clip, dict]:
    """Decode, check and compute the frames drawn below (cached per file content)."""
    clip = load_clip(data, name=name)
    frames = extract_frames(clip.samples, VIEW_CONFIG, kinds=("log_mel", "mfcc", "chroma"))
    return clip, frames


@st.cache_resource(show_spinner="Loading the emotion model…")
def predictor(name: str) -> Predictor:
    """One verified, read-only model per server process, shared by all sessions."""
    return Predictor(name)


@st.cache_data(max_entries=32, show_spinner=False)
def emotions(data: bytes, name: str, model: str) -> dict[str, float]:
    """Probabilities for one input and model, so reruns of the page do not classify it again."""
    clip, _ = analyse(data, name)
    return predictor(model).predict(clip.samples)


def model_choice() -> str | None:
    """Sidebar: installed models with their speaker-independent RAVDESS accuracy; default first."""
    names = list_models()
    if not names:
        st.sidebar.warning("No emotion model is installed; train one with `ser train`.")
        return None
    try:
        default = default_model_name()
    except ModelError:
        default = names[0]
    names.sort(key=lambda n: n != default)

    def label(name: str) -> str:
        acc = headline(models_dir() / name, key="accuracy")
        figure = f" · {100 * acc:.0f} %" if acc is not None else ""
        return f"{name}{figure}{' ★' if name == default else ''}"

    return st.sidebar.selectbox(
        "Emotion model",
        names,
        format_func=label,
        help="★ default model. The % is accuracy on RAVDESS actors the model never heard (6 folds by actor, 8 emotions).",
    )


model_name = model_choice()

st.title("Analyze a voice recording")
st.caption(
    "Record in the browser or upload a file (WAV, FLAC, OGG, Opus, MP3, M4A/AAC, WebM; any sample rate "
    "and channel count). Audio stays in memory for this session and is never written to disk."
)

mode = st.radio("Input", ["Record", "Upload"], horizontal=True, label_visibility="collapsed")
if mode == "Record":
    given = st.audio_input("Record your voice, then stop to analyse it", sample_rate=16000)
else:
    given = st.file_uploader("Upload an audio file", type=UPLOAD_TYPES)

if given is None:
    st.info("Speak for a few seconds (at least half a second) or upload a file to see its analysis.")
    st.stop()

data = given.getvalue()
try:
    with st.spinner("Decoding and checking the audio…"):
        clip, frames = analyse(data, given.name)
except AudioError as exc:
    st.error(exc.message, icon=":material/error:")
    st.stop()

report = clip.report
if mode == "Upload":
    st.audio(data)

channels = {1: "mono", 2: "stereo"}.get(report.original_channels, f"{report.original_channels} channels")
st.caption(
    f"**{given.name}** · {report.container} {report.codec} · {report.original_sample_rate / 1000:g} kHz {channels}"
    " → analysed as 16 kHz mono"
)
cols = st.columns(4)
cols[0].metric("Duration", f"{report.duration_s:.2f} s")
cols[1].metric("Peak", f"{report.peak_dbfs:.1f} dBFS", help="Loudest sample; 0 dBFS is full scale")
cols[2].metric("Speech level", "—" if report.speech_dbfs is None else f"{report.speech_dbfs:.1f} dBFS",
               help="RMS level inside the regions the voice activity detector marks as speech")
cols[3].metric("Speech", f"{100 * report.speech_fraction:.0f} %", help="Share of the time with speech (Silero VAD)")

if report.warnings:
    for warning in report.warnings:
        st.warning(warning, icon=":material/warning:")
else:
    st.success("Audio quality looks fine: no clipping, glitches, silence or level problems found.",
               icon=":material/check_circle:")

if model_name is not None:
    try:
        with st.spinner("Recognising the emotion…"):
            probabilities = emotions(data, given.name, model_name)
    except SerError as exc:
        st.error(exc.message, icon=":material/error:")
    else:
        emotion, confidence, uncertain = top_emotion(probabilities)
        left, right = st.columns([1, 2])
        with left:
            st.metric("Emotion", emotion.capitalize() if not uncertain else f"{emotion.capitalize()}?",
                      f"{100 * confidence:.0f} % confidence", delta_color="off", delta_arrow="off")
            if uncertain:
                second = sorted(probabilities, key=probabilities.get)[-2]
                st.info(f"Uncertain: the model is not confident; {emotion} and {second} are the closest.", icon=":material/help:")
            st.caption(f"Model: {model_name}. Probabilities are calibrated on speakers the model never heard.")
        with right:
            st.plotly_chart(probability_figure(probabilities), width="stretch", theme=None)

wave_tab, mel_tab, mfcc_tab, chroma_tab = st.tabs(["Waveform", "Spectrogram", "MFCC", "Chroma"])
with wave_tab:
    st.plotly_chart(waveform_figure(clip.samples, clip.sample_rate), width="stretch", theme=None)
with mel_tab:
    st.plotly_chart(log_mel_figure(frames["log_mel"], VIEW_CONFIG), width="stretch", theme=None)
with mfcc_tab:
    st.plotly_chart(mfcc_figure(frames["mfcc"], VIEW_CONFIG), width="stretch", theme=None)
with chroma_tab:
    st.plotly_chart(chroma_figure(frames["chroma"], VIEW_CONFIG), width="stretch", theme=None)

with st.expander("Full quality report"):
    st.json(report.to_dict())
