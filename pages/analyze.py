"""Analyze: record or upload audio, see its quality report and what it looks like.

Read from ``main`` down: the input, the quality section, the emotion, the timeline of long audio,
the transcript, the downloads and the feature views. The upload is hashed once per rerun
(``pages.common.Audio``); cached functions key on that digest and take the bytes as ``_data``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import replace

import streamlit as st

from pages.common import UPLOAD_TYPES, Audio, hands_free_recorder, holdout_speakers, model_choice, predictor, speaker_mean_of, speaker_norm_recording
from pages.through_app import through_app
from ser.analysis.result import Prediction, analyze_clip
from ser.analysis.timeline import LONG_AUDIO_SECONDS, TimelineSegment, summarize
from ser.analysis.transcribe import Transcript, language_name, load_transcription_models, transcribe_clip
from ser.audio.checks import percent
from ser.audio.clip import Clip, load_clip
from ser.audio.features import FeatureConfig, extract_frames
from ser.data.demo import DEMO_SPEAKERS, DemoExample, demo_examples
from ser.errors import AudioError, SerError
from ser.markup import escape_markdown
from ser.reports.audio_plots import chroma_figure, log_mel_figure, mfcc_figure, picked_segment, probability_figure, timeline_figure, waveform_figure
from ser.reports.explore import default_source

through_app()  # first, before anything is drawn

VIEW_CONFIG = FeatureConfig()


# --------------------------------------------------------------------------- cached work


@st.cache_data(max_entries=8, show_spinner=False)
def analyse(digest: str, name: str, origin: str, _data: bytes) -> tuple[Clip, dict]:
    """Decode, check and compute the frames drawn below (cached per file content: ``digest``, and ``origin``: a file's
    quality advice differs from a microphone recording's)."""
    clip = load_clip(_data, name=name, origin=origin)
    frames = extract_frames(clip.samples, VIEW_CONFIG, kinds=("log_mel", "mfcc", "chroma"))
    return clip, frames


@st.cache_resource(show_spinner="Loading the speech recogniser…")
def speech_recogniser() -> bool:
    """Whisper base (language) and tiny.en (English), or SER_WHISPER_MODEL, loaded once per server."""
    load_transcription_models()  # per-process cache shared with the start-up warm-up
    return True


@st.cache_data(max_entries=32, show_spinner=False)
def emotions(digest: str, name: str, origin: str, model: str, own_voice_digest: str | None, self_normalise: bool,
             _data: bytes, _own_voice: Audio | None) -> Prediction:
    """The prediction for one input, model and speaker-normalisation recording (``ser.analysis.result.analyze_clip``).

    Up to LONG_AUDIO_SECONDS the clip is classified whole; longer audio is split into speech
    windows, each classified, and the overall result is their duration-weighted mean."""
    clip, _ = analyse(digest, name, origin, _data)
    speaker_mean = speaker_mean_of(_own_voice, model) if _own_voice else None
    return analyze_clip(clip, predictor(model), file=name, speaker_mean=speaker_mean, timeline=True, self_normalise=self_normalise)


@st.cache_data(max_entries=16, show_spinner=False)
def transcript_of(digest: str, name: str, origin: str, _data: bytes) -> Transcript:
    clip, _ = analyse(digest, name, origin, _data)
    speech_recogniser()
    return transcribe_clip(clip)


# --------------------------------------------------------------------------- sections


def hands_free() -> Audio | None:
    """Click once, speak; recording stops by itself after 1.5 s of quiet."""
    st.caption("Click the microphone and speak; recording stops by itself when you pause for 1.5 seconds.")
    value = hands_free_recorder(pause_seconds=1.5, start_level=0.01, max_seconds=120, sample_rate=16000,
                                 key="hands_free", default=None)
    if not isinstance(value, dict):
        return None
    if value.get("error"):
        st.warning(escape_markdown(str(value["error"])), icon=":material/mic_off:")
        return None
    try:
        data = base64.b64decode(value.get("wav") or "", validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if len(data) <= 44:  # an empty WAV header: the recorder captured nothing
        st.warning("The recorder received no sound. Check the microphone permission and try again.", icon=":material/mic_off:")
        return None
    return Audio.of(data, "hands-free recording.wav", origin="microphone")


@st.cache_data(show_spinner=False)
def examples(source: str) -> list[DemoExample]:
    return demo_examples(source) if source else []


def example_input(model_name: str | None) -> Audio | None:
    """Clips of the demo speakers, read from the corpora folder, with their true emotion."""
    found = examples(default_source())
    titles = [e.title for e in found]
    chosen = st.selectbox("Example clip", titles, index=None,
                          placeholder=f"Choose one of {len(found)} clips of {len(DEMO_SPEAKERS)} demo speakers")
    if chosen is None:
        return None
    choice = found[titles.index(chosen)]
    held_out = model_name is not None and choice.speaker in holdout_speakers(model_name)
    heard = ("This speaker was **not in the training data** of the model in use: a fair test." if held_out else
             f"This speaker **was** in the training data of {escape_markdown(model_name or 'this model')}: "
             "expect it to do better here than on a new voice.")
    st.caption(f"True emotion: **{choice.emotion}** (as the actor portrayed it). {heard}")
    try:
        with open(choice.path, "rb") as handle:
            return Audio.of(handle.read(), choice.path.rsplit("/", 1)[-1])
    except OSError:
        st.error("That example is no longer readable in the corpora folder.", icon=":material/error:")
        return None


def input_section(model_name: str | None = None) -> tuple[Audio | None, str]:
    """(the audio to analyse, if any; the input mode: Record, Hands-free, Upload or Example)."""
    modes = ["Record", "Hands-free", "Upload"] + (["Example"] if examples(default_source()) else [])
    mode = st.radio("Input", modes, horizontal=True, label_visibility="collapsed",
                    help="Example: clips of speakers from the corpora folder (never part of the project), "
                         "left out of the default model's training.")
    if mode == "Example":
        return example_input(model_name), mode
    if mode == "Record":
        recorded = st.audio_input("Record your voice, then stop to analyse it", sample_rate=16000)
        return (Audio.of(recorded.getvalue(), recorded.name, origin="microphone") if recorded is not None else None), mode
    if mode == "Hands-free":
        return hands_free(), mode
    uploaded = st.file_uploader("Upload an audio file", type=UPLOAD_TYPES)
    return (Audio.of(uploaded.getvalue(), uploaded.name) if uploaded is not None else None), mode


def checked(audio: Audio) -> tuple[Clip, dict]:
    """The decoded, checked clip and its feature frames; an unusable file ends the page with why."""
    try:
        with st.spinner("Decoding and checking the audio…"):
            return analyse(audio.digest, audio.name, audio.origin, audio.data)
    except AudioError as exc:
        st.error(escape_markdown(exc.message), icon=":material/error:")
        st.stop()


def quality_section(audio: Audio, clip: Clip, player: bool) -> None:
    """Format, levels and the quality warnings of the recording."""
    report = clip.report
    if player:
        st.audio(audio.data)
    channels = {1: "mono", 2: "stereo"}.get(report.original_channels, f"{report.original_channels} channels")
    st.caption(
        f"**{escape_markdown(audio.name)}** · {report.container} {report.codec} · {report.original_sample_rate / 1000:g} kHz {channels}"
        " → analysed as 16 kHz mono"
    )
    cols = st.columns(4)
    cols[0].metric("Duration", f"{report.duration_s:.2f} s")
    cols[1].metric("Peak", f"{report.peak_dbfs:.1f} dBFS", help="Loudest sample; 0 dBFS is full scale")
    cols[2].metric("Speech level", "—" if report.speech_dbfs is None else f"{report.speech_dbfs:.1f} dBFS",
                   help="RMS level inside the regions the voice activity detector marks as speech")
    cols[3].metric("Speech", percent(report.speech_fraction), help="Share of the time with speech (Silero VAD)")
    if report.warnings:
        for warning in report.warnings:
            st.warning(warning, icon=":material/warning:")
    else:
        st.success("Audio quality looks fine: no clipping, glitches, silence or level problems found.",
                   icon=":material/check_circle:")


def emotion_section(audio: Audio, clip: Clip, model_name: str, own_voice: Audio | None) -> Prediction | None:
    """The emotion (overall, for long audio) with its probabilities; None when the model failed."""
    long_audio = clip.duration > LONG_AUDIO_SECONDS and bool(clip.speech)
    self_normalise = False
    if long_audio and own_voice is None:
        self_normalise = st.toggle(
            "Normalise to this speaker using the whole recording", value=False,
            help="Normalises each segment by the average of all segments of this recording (one speaker only). "
                 "It shows how emotion changes relative to the speaker's own average.")
    try:
        with st.spinner("Recognising the emotion…" if not long_audio else "Recognising the emotion in each speech segment…"):
            prediction = emotions(audio.digest, audio.name, audio.origin, model_name, own_voice.digest if own_voice else None, self_normalise,
                                  _data=audio.data, _own_voice=own_voice)
    except SerError as exc:
        st.error(escape_markdown(exc.message), icon=":material/error:")
        return None
    probabilities, emotion, confidence = prediction.probabilities, prediction.emotion, prediction.confidence
    summary, chart = st.columns([1, 2])
    with summary:
        st.metric("Emotion" if not prediction.segments else "Overall emotion",
                  emotion.capitalize() if not prediction.uncertain else f"{emotion.capitalize()}?",
                  f"{100 * confidence:.0f} % confidence", delta_color="off", delta_arrow="off")
        if prediction.uncertain:
            second = sorted(probabilities, key=probabilities.get)[-2]
            st.info(f"Uncertain: the model is not confident; {emotion} and {second} are the closest.", icon=":material/help:")
        how = " Averaged over the speech segments below, weighted by length." if prediction.segments else ""
        who = (" Normalised to your voice (speaker normalisation)." if own_voice else
               " Normalised to this recording's speaker." if prediction.speaker_normalised else "")
        variant = "calibrated" if prediction.speaker_normalised else "plain"  # the stored names of the two variants
        new_voice = (predictor(model_name).loaded.meta["variants"].get(variant) or {}).get("new_voice_factor")
        calibrated = ("for voices from corpora the model never heard (leave one corpus out)" if new_voice
                      else "on speakers the model never heard")
        st.caption(f"Model: {model_name}.{how}{who} Probabilities are calibrated {calibrated}.")
    with chart:
        st.plotly_chart(probability_figure(probabilities), width="stretch", theme=None)
    return prediction


def transcribed(audio: Audio) -> Transcript | None:
    try:
        with st.spinner("Transcribing…"):
            return transcript_of(audio.digest, audio.name, audio.origin, audio.data)
    except SerError as exc:
        st.warning(f"No transcript: {escape_markdown(exc.message)}", icon=":material/warning:")
        return None


def timeline_section(segments: tuple[TimelineSegment, ...], clip: Clip, audio: Audio) -> None:
    """The emotion timeline of long audio: summary, clickable chart, the picked segment and all segments."""
    st.subheader("Emotion timeline")
    st.markdown(summarize(segments))
    event = st.plotly_chart(timeline_figure(segments, clip.duration), width="stretch", theme=None,
                            on_select="rerun", selection_mode="points", key=f"timeline-{audio.name}-{len(audio.data)}")
    picked = picked_segment(event.selection.points, len(segments)) if event else None
    if picked is not None:
        chosen = segments[picked]
        words, chart = st.columns([1, 2])
        words.markdown(f"**{chosen.start:.1f}–{chosen.end:.1f} s · {chosen.emotion}{'?' if chosen.uncertain else ''}** "
                       f"({100 * chosen.confidence:.0f} %)")
        if chosen.text:
            words.markdown(f"> {chosen.text}")
        words.audio(clip.samples[int(chosen.start * clip.sample_rate):int(chosen.end * clip.sample_rate)],
                    sample_rate=clip.sample_rate)
        chart.plotly_chart(probability_figure(chosen.probabilities, title="This segment"), width="stretch", theme=None)
    else:
        st.caption("Click a segment to see its probabilities, words and audio; hover for a quick look.")
    with st.expander(f"All {len(segments)} segments"):
        st.dataframe(
            [{"start (s)": s.start, "end (s)": s.end, "emotion": s.emotion + ("?" if s.uncertain else ""),
              "confidence": s.confidence, "said": s.text} for s in segments],
            column_config={"confidence": st.column_config.ProgressColumn("confidence", min_value=0, max_value=1,
                                                                         format="percent")},
            hide_index=True, width="stretch",
        )


def transcript_section(transcript: Transcript) -> None:
    st.subheader("Transcript")
    if transcript.language_probability is not None:
        sure = transcript.language_probability >= 0.5
        st.caption(f"Language: {language_name(transcript.language)}" + (f" ({transcript.language_probability:.0%} sure)" if sure
                   else f"? (unclear: {transcript.language_probability:.0%} sure; Whisper base knows some languages poorly)"))
    if transcript.text:
        st.markdown(f"> {transcript.text}")
    else:
        st.caption("No words were recognised.")


def download_section(result: Prediction, file_name: str) -> None:
    stem = file_name.rsplit(".", 1)[0] or "recording"
    as_json, as_csv, _ = st.columns([1, 1, 3])
    as_json.download_button("Download JSON", result.to_json(), f"{stem}-emotions.json", "application/json",
                            icon=":material/download:", width="stretch")
    as_csv.download_button("Download CSV", result.to_csv(), f"{stem}-emotions.csv", "text/csv",
                           icon=":material/download:", width="stretch")


def feature_views(clip: Clip, frames: dict) -> None:
    wave_tab, mel_tab, mfcc_tab, chroma_tab = st.tabs(["Waveform", "Spectrogram", "MFCC", "Chroma"])
    with wave_tab:
        st.plotly_chart(waveform_figure(clip.samples, clip.sample_rate), width="stretch", theme=None)
    with mel_tab:
        st.plotly_chart(log_mel_figure(frames["log_mel"], VIEW_CONFIG), width="stretch", theme=None)
    with mfcc_tab:
        st.plotly_chart(mfcc_figure(frames["mfcc"], VIEW_CONFIG), width="stretch", theme=None)
    with chroma_tab:
        st.plotly_chart(chroma_figure(frames["chroma"], VIEW_CONFIG), width="stretch", theme=None)


# --------------------------------------------------------------------------- the page


def main() -> None:
    model_name = model_choice()
    own_voice = speaker_norm_recording(model_name)
    show_transcript = st.sidebar.toggle("Transcribe speech", value=True,
                                        help="Offline speech recognition with Whisper tiny.en (English).")
    st.title("Analyze a voice recording")
    st.caption(
        "Record in the browser or upload a file (WAV, FLAC, OGG, Opus, MP3, M4A/AAC, WebM; any sample rate "
        "and channel count). Audio stays in memory for this session and is never written to disk."
    )
    audio, mode = input_section(model_name)
    if audio is None:
        st.info("Speak for a few seconds (at least half a second) or upload a file to see its analysis. "
                f"Recordings longer than {LONG_AUDIO_SECONDS:g} s get an emotion timeline.", icon=":material/info:")
        st.stop()

    clip, frames = checked(audio)
    quality_section(audio, clip, player=mode != "Record")
    prediction = emotion_section(audio, clip, model_name, own_voice) if model_name is not None else None
    transcript = transcribed(audio) if show_transcript and clip.speech else None
    result = None
    if prediction is not None:
        result = replace(prediction, model=model_name)
        if transcript is not None:
            result = result.with_transcript(transcript)  # its text, language, and each segment's words
        if result.segments:
            timeline_section(result.segments, clip, audio)
    if transcript is not None:
        transcript_section(transcript)
    if result is not None:
        download_section(result, audio.name)
    feature_views(clip, frames)
    with st.expander("Full quality report"):
        st.json(clip.report.to_dict())


main()
