"""Batch: classify many files (or zip archives of them) at once; table and CSV download."""

from __future__ import annotations

import streamlit as st

from pages.common import UPLOAD_TYPES, model_choice, predictor, speaker_mean_of, speaker_norm_recording
from ser.analysis.batch import classify, expand, records, to_csv
from ser.errors import SerError
from ser.markup import escape_markdown

model_name = model_choice()
own_voice = speaker_norm_recording(model_name)

st.title("Batch")
st.caption("Classify many recordings at once. Drop audio files or zip archives of them; every file gets a row, "
           "and files that cannot be used say why. Nothing is written to disk.")

uploads = st.file_uploader("Audio files or zip archives", type=[*UPLOAD_TYPES, "zip"], accept_multiple_files=True)
if not uploads:
    st.info("Upload a few files (or a zip) to classify them all with the selected model.", icon=":material/info:")
    st.stop()
if model_name is None:
    st.stop()

items, skipped = expand([(u.name, u.getvalue()) for u in uploads])
st.caption(f"{len(items)} audio file{'s' if len(items) != 1 else ''} to classify"
           + (f", {len(skipped)} skipped" if skipped else "") + f" · model **{model_name}**"
           + (" · normalised to your voice" if own_voice else ""))

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
        bar.progress(done / total, text=f"{done} of {total} · {name}")

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
    c.metric("Most common emotion", top.capitalize(), f"{counts[top]} of {len(done)} files", delta_color="off", delta_arrow="off")

table = records(rows, labels)
for record in table:  # percentages for reading; the CSV keeps probabilities
    for key in ("confidence", *labels):
        record[key] = None if record[key] is None else 100 * record[key]
    record["emotion"] = "—" if record["emotion"] is None else record["emotion"] + ("?" if record["uncertain"] else "")
    record["note"] = record.pop("error") or record.pop("warnings")
    record.pop("warnings", None)
    record.pop("uncertain")
percent = {label: st.column_config.NumberColumn(label, format="%.0f %%") for label in labels}
st.dataframe(
    table,
    column_order=["file", "emotion", "confidence", "duration_s", "note", *labels],
    column_config={"confidence": st.column_config.ProgressColumn("confidence", min_value=0, max_value=100, format="%.0f %%"),
                   "duration_s": st.column_config.NumberColumn("duration (s)", format="%.2f"),
                   "note": st.column_config.TextColumn("problem or warning", width="medium"), **percent},
    hide_index=True,
    width="stretch",
)
st.caption("A question mark after the emotion means the model was not confident (top probability under 40 %).")
if failed:
    with st.expander(f"{len(failed)} file{'s' if len(failed) != 1 else ''} could not be used"):
        for r in failed:
            st.markdown(f"- **{escape_markdown(r.file)}**: {escape_markdown(r.error)}")
st.download_button("Download CSV", to_csv(rows, labels), "ser-batch.csv", "text/csv", icon=":material/download:")
