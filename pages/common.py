"""What several pages share: the model picker, cached models and speaker normalisation (UI only)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st
import streamlit.components.v1 as components

from ser.analysis.batch import AUDIO_SUFFIXES
from ser.analysis.timeline import cut, speech_windows
from ser.audio.checks import Origin
from ser.audio.clip import load_clip
from ser.errors import SerError
from ser.evaluation import protocols
from ser.markup import escape_markdown
from ser.models.artifacts import ModelError, default_model_name, models_dir, read_json
from ser.models.menu import BASELINE_GAP, MenuEntry, model_menu
from ser.models.predictor import Predictor, shared
from ser.reports.model_report import models_signature

UPLOAD_TYPES = sorted(s.lstrip(".") for s in AUDIO_SUFFIXES)

# Hands-free recording, a static component (pages/hands_free/index.html): one channel at 16 kHz with the browser's
# automatic gain control off, samples clamped to full scale. audio-recorder-streamlit 0.0.10 left gain control on
# (about 12 dB louder than the speaker) and let samples beyond full scale wrap around, which changed the emotion found.
# Declared here, in an imported module: Streamlit names a component after the module that declares it.
hands_free_recorder = components.declare_component("hands_free_recorder", path=str(Path(__file__).parent / "hands_free"))


@dataclass(frozen=True)
class Audio:
    """A recorded or uploaded file, hashed once per rerun. Streamlit hashes every ``bytes`` argument of
    a cached function in full on every rerun (about 0.4 s per call for a 1-hour WAV), so cached
    functions take ``digest`` as their key and the bytes as an argument whose name starts with an
    underscore, which ``st.cache_*`` does not hash."""

    data: bytes
    name: str
    digest: str
    origin: Origin = "file"  # "microphone" for a live recording: its quality advice is about the microphone

    @classmethod
    def of(cls, data: bytes, name: str, origin: Origin = "file") -> Audio:
        return cls(data, name, hashlib.sha256(data).hexdigest(), origin)


@st.cache_resource(show_spinner="Loading the emotion model…")
def predictor(name: str) -> Predictor:
    """One verified, read-only model per server process, shared by all sessions."""
    return shared(name)


def speaker_mean_of(audio: Audio, model: str) -> np.ndarray:
    """A speaker's mean from a neutral recording: the mean model input over its speech windows."""
    return _speaker_mean(audio.digest, audio.name, model, _data=audio.data)


@st.cache_data(max_entries=16, show_spinner=False)
def _speaker_mean(digest: str, name: str, model: str, _data: bytes) -> np.ndarray:
    clip = load_clip(_data, name=name)
    windows = speech_windows(clip.speech, clip.sample_rate, len(clip.samples)) or [(0.0, clip.duration)]
    return predictor(model).speaker_mean(cut(clip.samples, clip.sample_rate, windows))


@st.cache_data(show_spinner=False)
def holdout_speakers(name: str) -> tuple[str, ...]:
    """Speakers a model's final fit left out (its demo speakers), from its meta.json."""
    try:
        return tuple(read_json(models_dir() / name / "meta.json").get("spec", {}).get("holdout_speakers", ()))
    except (OSError, ValueError, ModelError):
        return ()


@st.cache_data(max_entries=4, show_spinner=False)
def _menu(root: str, signature: tuple) -> list[MenuEntry]:
    """The picker's entries, read again whenever a model's stored files change (``signature``)."""
    return model_menu()


def model_choice() -> str | None:
    """Sidebar: installed models with their leave-one-corpus-out UAR; the default first, baselines last and
    labelled (``ser.models.menu``)."""
    menu = {entry.name: entry for entry in _menu(str(models_dir()), models_signature(models_dir()))}
    if not menu:
        st.sidebar.warning("No emotion model is installed; train one with `ser train`.")
        return None
    names = list(menu)
    remembered = st.session_state.get("model")
    chosen = st.sidebar.selectbox(
        "Emotion model",
        names,
        index=names.index(remembered) if remembered in names else 0,
        format_func=lambda name: menu[name].label,
        help="★ the default model. The % is its unweighted average recall on corpora it never heard: each "
             "corpus held out from training in turn (leave one corpus out), the mean over them. Baselines score "
             f"more than {100 * BASELINE_GAP:.0f} points below the default: they are there for comparison (Compare models), "
             "not for use.",
    )
    st.sidebar.caption(menu[chosen].summary)
    st.session_state["model"] = chosen
    return chosen


def speaker_norm_recording(model: str | None) -> Audio | None:
    """Sidebar: a neutral recording of the user for speaker normalisation, kept for the whole session (across pages)."""
    box = st.sidebar.expander("Speaker normalisation", icon=":material/record_voice_over:",
                              expanded="speaker_norm" in st.session_state)
    stored = st.session_state.get("speaker_norm")
    if stored:
        box.success(f"Normalised to your voice with **{escape_markdown(stored['name'])}** ({stored['seconds']:.0f} s).",
                    icon=":material/check_circle:")
        if box.button("Forget this recording", icon=":material/delete:"):
            del st.session_state["speaker_norm"]
            st.rerun()
        return stored["audio"]
    box.caption("Record 20–40 s of yourself speaking calmly about anything. Predictions are then made relative "
                "to your own voice." + speaker_norm_effect())
    given = box.audio_input("Neutral recording", sample_rate=16000, key="speaker_norm_input")
    if given is None:
        given = box.file_uploader("…or upload one", type=UPLOAD_TYPES, key="speaker_norm_upload")
    if given is None:
        return None
    audio = Audio.of(given.getvalue(), given.name)
    try:
        clip = load_clip(audio.data, name=audio.name)
        if model is not None:
            speaker_mean_of(audio, model)
    except SerError as exc:
        box.error(escape_markdown(exc.message), icon=":material/error:")
        return None
    if clip.duration < 5:
        box.warning(f"Only {clip.duration:.1f} s: record at least 20 s for useful speaker normalisation.", icon=":material/warning:")
        return None
    st.session_state["speaker_norm"] = {"name": audio.name, "audio": audio, "seconds": clip.duration}
    st.rerun()




def speaker_norm_effect() -> str:
    """What speaker normalisation did for the default model, from its stored metrics.json (empty when not stored)."""
    try:
        folder = models_dir() / default_model_name()
        metrics = read_json(folder / "metrics.json")
    except ModelError:
        return ""
    figure = {clips: protocols.figure(metrics, protocols.HEADLINE_PROTOCOL, protocols.variant_name(clips), "accuracy")
              for clips in protocols.SPEAKER_NORM_CLIPS}
    alone = protocols.figure(metrics, protocols.HEADLINE_PROTOCOL, "none", "accuracy")
    if alone is None or any(v is None for v in figure.values()):
        return ""
    few, many = protocols.SPEAKER_NORM_CLIPS[0], protocols.SPEAKER_NORM_CLIPS[-1]

    def effect(clips: int) -> str:
        after = figure[clips]
        if round(100 * after) <= round(100 * alone):
            return "did not help"
        return f"raised the default model's accuracy from {100 * alone:.0f} % to {100 * after:.0f} %"

    return (f" Measured on RAVDESS actors: about {protocols.SPEAKER_NORM_SECONDS[many]:.0f} s of a speaker {effect(many)}; "
            f"about {protocols.SPEAKER_NORM_SECONDS[few]:.0f} s {effect(few)}.")
