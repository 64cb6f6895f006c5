"""Batch: classify many files (or zip archives of them) at once; table and CSV download."""

from __future__ import annotations

import streamlit as st

from pages.common import UPLOAD_TYPES, model_choice, predictor, speaker_mean_of, speaker_norm_recording
from pages.through_app import through_app
from ser.analysis.batch import classify, expand, records, to_csv
from ser.analysis.timeline import LONG_AUDIO_SECONDS, summarize
from ser.errors import SerError
from ser.markup import count, escape_markdown

through_app()  # first, before anything is drawn

model_name = model_choice()
own_voice = speaker_norm_recording(model_name)

st.title("Batch")
st.caption("Classify many recordings at once. Drop audio files or zip archives of them; every file gets a row, "
           "and files that cannot be used say why. Files longer than "
           f"{LONG_AUDIO_SECONDS:g} s are analysed as on Analyze: an emotion timeline, and the overall emotion weighted "
           "by the segments' length. Nothing is written to disk.")

uploads = st.file_uploader("Audio files or zip archives", type=[*UPLOAD_TYPES, "zip"], accept_multiple_files=True)
if not uploads:
    st.info("Upload a few files (or a zip) to classify them all with the selected model.", icon=":material/info:")
    st.stop()
if model_name is None:
    st.stop()

items, skipped = expand([(u.name, u.getvalue()) for u in uploads])
audio = sum(item.looks_like_audio for item in items)
others = len(items) - audio + len(skipped)
st.caption(f"{count(audio, 'audio file')} to classify"
           + (f" · {count(others, 'other file')} listed below with the reason" if others else "")
           + f" · model **{escape_markdown(model_name)}**" + (" · normalised to your voice" if own_voice else ""))

key = (tuple((u.name, u.file_id) for u in uploads), model_name, own_voice.digest if own_voice else None)
if st.session_state.get("batch_key") != key:
    try:
        model = predictor(model_name)
        speaker_mean = speaker_mean_of(own_voice, model_name) if own_voice else None
    except SerError as exc:
        st.error(escape_markdown(exc.message), icon=":material/error:")
        st.stop()
    bar = st.progress(0.0, text="Starting…")

    def progress(done: int, total: int, name: str) -> None:
        bar.progress(done / total, text=f"{done} of {count(total, 'file')} · {escape_markdown(name)}")

    rows = classify(items, model, speaker_mean, on_progress=progress)
    bar.empty()
    st.session_state["batch_key"], st.session_state["batch_rows"] = key, rows + skipped
rows = st.session_state["batch_rows"]

labels = list(predictor(model_name).labels)
done = [r for r in rows if r.error is None]
failed = [r for r in rows if r.error is not None]
a, b, c = st.columns(3)
a.metric("Classified", len(done))
b.metric("Could not be used", len(failed))
if done:
    counts: dict[str, int] = {}
    for r in done:
        counts[r.emotion] = counts.get(r.emotion, 0) + 1
    top = max(counts, key=counts.get)
    unsure = sum(r.emotion == top and r.uncertain for r in done)
    c.metric("Most common emotion", top.capitalize(), f"{counts[top]} of {count(len(done), 'file')}" + (f" · {unsure} unsure" if unsure else ""),
             delta_color="off", delta_arrow="off")

table = records(rows, labels)
for record in table:  # percentages for reading; the CSV keeps probabilities. None shows as the placeholder "–"
    for key in ("confidence", *labels):
        record[key] = None if record[key] is None else 100 * record[key]
    if record["emotion"] is not None:
        record["emotion"] += "?" if record["uncertain"] else ""
    error, warnings = record.pop("error"), record.pop("warnings")
    if error.startswith(f"{record['file']} "):  # the file is named in its own column: "Is not an audio file …"
        error = error[len(record["file"]) + 1:]
        error = error[:1].upper() + error[1:]
    record["note"] = error or warnings or None
    record["segments"] = record["segments"] or None
percent = {label: st.column_config.NumberColumn(label, format="%.0f %%", width="small") for label in labels}
long_files = [r for r in rows if r.segments]
st.dataframe(
    table,
    column_order=["file", "emotion", "confidence", "duration_s", *(["segments"] if long_files else []), "note", *labels],
    column_config={"file": st.column_config.TextColumn("file", pinned=True),
                   "emotion": st.column_config.TextColumn("emotion", width="small"),
                   "confidence": st.column_config.ProgressColumn("confidence", min_value=0, max_value=100, format="%.0f %%",
                                                                 width=110),
                   "duration_s": st.column_config.NumberColumn("seconds", format="%.1f", width="small"),
                   "segments": st.column_config.NumberColumn("segments", format="%d", width=70,
                                                             help="Speech segments of a long file; its emotion is their "
                                                                  "length-weighted mean (timelines below the table)"),
                   "note": st.column_config.TextColumn("problem or warning", width=620,
                                                       help="Why a file could not be used, or what is wrong with its audio "
                                                            "(click a cell to read it whole)"), **percent},
    hide_index=True,
    width="stretch",
    placeholder="–",
)
st.caption("A question mark after the emotion means the model was not confident (top probability under 40 %).")
if long_files:
    st.subheader("Emotion timelines of long files")
    for r in long_files:
        st.markdown(f"**{escape_markdown(r.file)}** ({r.duration_s:.1f} s, {count(len(r.segments), 'speech segment')}): "
                    f"{summarize(r.segments)}")
    st.caption("Open a file on Analyze to see its timeline as a chart, with the words of each segment.")
if failed:
    with st.expander(f"{count(len(failed), 'file')} could not be used", expanded=True):
        for r in failed:
            st.markdown(f"- **{escape_markdown(r.file)}**: {escape_markdown(r.error)}")
st.download_button("Download CSV", to_csv(rows, labels), "ser-batch.csv", "text/csv", icon=":material/download:")
