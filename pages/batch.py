"""Batch: classify many files (or zip archives of them) at once; table and CSV download."""

from __future__ import annotations

import streamlit as st

from pages.common import UPLOAD_TYPES, baseline_vector, model_choice, predictor, speaker_calibration
from ser.batch import classify, expand, records, to_csv
from ser.errors import SerError

model_name = model_choice()
baseline = speaker_calibration(model_name)

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
           + (" · calibrated to your voice" if baseline else ""))

key = (tuple((u.name, u.file_id) for u in uploads), model_name, baseline[1] if baseline else None)
if st.session_state.get("batch_key") != key:
    try:
        model = predictor(model_name)
        vector = baseline_vector(*baseline, model_name) if baseline else None
    except SerError as exc:
        st.error(exc.message, icon=":material/error:")
        st.stop()
    bar = st.progress(0.0, text="Starting…")

    def progress(done: int, total: int, name: str) -> None:
        bar.progress(done / total, text=f"{done} of {total} · {name}")

    rows = classify(items, model, vector, on_progress=progress)
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

percent = st.column_config.ProgressColumn(min_value=0, max_value=1, format="percent")
st.dataframe(
    records(rows, labels),
    column_config={"confidence": percent, **{label: st.column_config.NumberColumn(format="percent") for label in labels},
                   "duration_s": st.column_config.NumberColumn("duration (s)", format="%.2f")},
    hide_index=True,
    width="stretch",
)
if failed:
    with st.expander(f"{len(failed)} file{'s' if len(failed) != 1 else ''} could not be used"):
        for r in failed:
            st.markdown(f"- **{r.file}**: {r.error}")
st.download_button("Download CSV", to_csv(rows, labels), "ser-batch.csv", "text/csv", icon=":material/download:")
