"""Compare models: stored speaker-independent figures, confusion matrices, training curves and model cards.

Read from ``main`` down: one function per tab (and per section of the Overview tab).
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from pages.through_app import through_app
from ser.evaluation import protocols as vocabulary
from ser.markup import escape_markdown
from ser.models.artifacts import models_dir
from ser.reports import model_report as mr
from ser.reports.charts import confusion_figure, fold_figure, headline_figure, history_figure, per_class_f1_figure

through_app()  # first, before anything is drawn

TABS = ["Overview", "Confusion matrices", "Training curves", "Model cards"]
PERCENT = st.column_config.NumberColumn(format="%.1f %%")
MODEL = st.column_config.TextColumn("model", help="★ the default model, used by Analyze")


@st.cache_data(max_entries=4, show_spinner=False)
def reports(root: str, signature: tuple) -> tuple[list[mr.ModelReport], list[str]]:
    """Every model folder's stored files, read again whenever one of them changes (``signature``)."""
    return mr.load_reports(Path(root))


# What is drawn from the stored files is cached too, per models folder and its signature (so a retrained model is
# read again): each visit and each widget change then only sends what was made once.


@st.cache_data(max_entries=16, show_spinner=False)
def headline_chart(root: str, signature: tuple, key: str, metric: str) -> go.Figure:
    return headline_figure(mr.headline_figures(reports(root, signature)[0], key), metric)


@st.cache_data(max_entries=4, show_spinner=False)
def overview_of(root: str, signature: tuple) -> pd.DataFrame:
    return mr.overview_table(reports(root, signature)[0])


@st.cache_data(max_entries=64, show_spinner=False)
def detail_of(root: str, signature: tuple, protocol: str, variant: str) -> tuple[pd.DataFrame, go.Figure, go.Figure]:
    """The table, the spread over folds and the F1 per emotion of one protocol and scoring."""
    models = reports(root, signature)[0]
    default = next((m for m in models if m.is_default), None)
    folds = fold_figure(mr.fold_figures(models, protocol, variant), mr.protocol_chance(models, protocol),
                        default=default.label if default else None)
    return mr.protocol_table(models, protocol, variant), folds, per_class_f1_figure(*mr.per_class_f1(models, protocol, variant))


@st.cache_data(max_entries=16, show_spinner=False)
def calibration_of(root: str, signature: tuple, protocol: str) -> pd.DataFrame:
    return mr.calibration_table(reports(root, signature)[0], protocol)


def shown_columns(table: pd.DataFrame, compact: tuple[str, ...], key: str) -> list[str]:
    """A compact set of columns first; the rest on demand from a column picker above the table."""
    default = mr.compact_columns(table, compact)
    hidden = len(table.columns) - len(default)
    with st.popover(f"Columns: {len(default)} of {len(table.columns)}" if hidden else "Columns", icon=":material/view_column:"):
        chosen = st.multiselect("Columns shown", list(table.columns), default=default, key=key,
                                help="The table starts with a compact set; add any other stored figure here.")
    return ["model", *[c for c in chosen if c != "model"]]


def card_value(field: str, value: str) -> str:
    """Commands and hashes as code, everything else as literal text."""
    if (field == "command" or "sha256" in field) and "`" not in value and "\n" not in value:
        return f"`{value}`"
    return escape_markdown(value)


def percent_columns(table, skip=()) -> dict:
    return {c: PERCENT for c in table.columns if c not in skip and table[c].dtype.kind == "f" and c not in
            ("size (MB)", "3 s clip (ms)", "ECE (pooled)", "ECE (fold mean)", "NLL (pooled)", "temperature", "training (min)")}


def how_models_are_tested(models: list[mr.ModelReport], protocol_names: list[str]) -> None:
    with st.expander("How the models are tested (protocols and chance level)", icon=":material/school:"):
        for protocol in protocol_names:
            st.markdown(f"- **{escape_markdown(mr.protocol_title(models, protocol))}**: {escape_markdown(mr.protocol_description(models, protocol))}")
        st.markdown(
            "- **UAR** (unweighted average recall) averages the recall of each class, so a model cannot score by favouring "
            "the largest class; **macro-F1** averages each class's F1. Fold figures are means over folds.\n"
            "- **ECE** (expected calibration error, 15 bins, all folds' predictions pooled): how far the stated confidence "
            "is from the actual accuracy; 0 is perfect. Probabilities are temperature-scaled on speakers held out of each "
            f"training fold.\n- {vocabulary.VARIANT_MEANING}"
        )


def chance_note(models: list[mr.ModelReport], protocol_names: list[str]) -> str:
    """Classes and chance level of each protocol, from the stored labels: "RAVDESS 6-fold: 8 classes, chance 12.5 %. …"."""
    parts = []
    for protocol in protocol_names:
        labels, level = mr.protocol_labels(models, protocol), mr.protocol_chance(models, protocol)
        if labels and level is not None:
            classes = "each corpus's own classes" if level != vocabulary.chance(labels) else f"{len(labels)} classes"
            parts.append(f"{mr.protocol_title(models, protocol)}: {classes}, chance {100 * level:.1f} %.")
    return " ".join(parts)


def overview_section(models: list[mr.ModelReport], protocol_names: list[str], stored: tuple[str, tuple]) -> None:
    metric = st.radio("Figure", ["UAR", "accuracy", "macro-F1"], horizontal=True, key="headline_metric",
                      help="UAR: unweighted average recall (mean of the per-class recalls).")
    key = {"UAR": "uar", "accuracy": "accuracy", "macro-F1": "macro_f1"}[metric]
    st.plotly_chart(headline_chart(*stored, key, metric), width="stretch", theme=None)
    overview = overview_of(*stored)
    st.dataframe(
        overview, hide_index=True, width="stretch", placeholder="–", column_order=shown_columns(overview, mr.OVERVIEW_COMPACT, "overview_columns"),
        column_config={
            **percent_columns(overview),
            "model": MODEL,
            "trained on": st.column_config.TextColumn(help="The corpora of the model's training data (the model card lists them "
                                                      "with their clip counts); compare figures of models trained on the same data"),
            "parameters": st.column_config.NumberColumn(format="localized"),
            "size (MB)": st.column_config.NumberColumn(format="%.1f"),
            "3 s clip (ms)": st.column_config.NumberColumn(format="%.0f", help="Warm median time for features + model + "
                                                           "calibration of a 3 s clip (decoding excluded), measured when stored"),
            "ECE (pooled)": st.column_config.NumberColumn(format="%.3f", help="RAVDESS 6-fold, all folds pooled"),
            "LOCO UAR": st.column_config.NumberColumn(format="%.1f %%", help="Leave one corpus out: mean over the corpora of "
                                                      "the UAR on a corpus the model never heard (its own classes)"),
            "training (min)": st.column_config.NumberColumn(format="%.1f", help="All protocols and the final fits"),
        },
    )
    st.caption(f"★ default model (the one Analyze uses). {chance_note(models, protocol_names)} "
               "An empty cell: the model was not evaluated that way.")


def protocol_detail_section(models: list[mr.ModelReport], protocol_names: list[str], stored: tuple[str, tuple]) -> str:
    """One protocol and scoring in detail: table, spread over folds, F1 per emotion. Returns the protocol shown."""
    st.subheader("One protocol in detail")
    protocol_column, scoring_column = st.columns(2)
    protocol = protocol_column.selectbox("Protocol", protocol_names, format_func=lambda p: mr.protocol_title(models, p),
                                         key="detail_protocol")
    variant = scoring_column.selectbox("Scoring", mr.variants(models, protocol), format_func=lambda v: vocabulary.VARIANT_TITLES.get(v, v),
                                       key="detail_variant")
    st.caption(escape_markdown(mr.protocol_description(models, protocol)))
    detail, folds, f1 = detail_of(*stored, protocol, variant)
    st.dataframe(detail, hide_index=True, width="stretch", placeholder="–",
                 column_order=shown_columns(detail, mr.PROTOCOL_COMPACT, f"detail_columns_{protocol}"),
                 column_config={**percent_columns(detail), "model": MODEL, "ECE (pooled)": st.column_config.NumberColumn(format="%.3f"),
                                "ECE (fold mean)": st.column_config.NumberColumn(format="%.3f"),
                                "NLL (pooled)": st.column_config.NumberColumn(format="%.2f")})
    st.caption("Means over folds with their standard deviation (±); F1 per emotion and ECE/NLL over all folds' predictions pooled.")
    spread, per_class = st.columns(2)
    spread.plotly_chart(folds, width="stretch", theme=None)
    per_class.plotly_chart(f1, width="stretch", theme=None)
    return protocol


def calibration_section(protocol: str, stored: tuple[str, tuple]) -> None:
    st.subheader("Calibration and speaker normalisation")
    calibration = calibration_of(*stored, protocol)
    st.dataframe(calibration, hide_index=True, width="stretch", placeholder="–",
                 column_order=shown_columns(calibration, mr.CALIBRATION_COMPACT, f"calibration_columns_{protocol}"),
                 column_config={**percent_columns(calibration), "model": MODEL, "temperature": st.column_config.NumberColumn(format="%.2f"),
                                "ECE (pooled)": st.column_config.NumberColumn(format="%.3f"),
                                "NLL (pooled)": st.column_config.NumberColumn(format="%.2f"),
                                "new-voice factor": st.column_config.NumberColumn(format="× %.2f"),
                                "ECE, new-voice T (pooled)": st.column_config.NumberColumn(format="%.3f")})
    st.caption("Probability calibration, without speaker normalisation (lower ECE and NLL are better): the temperature "
               "fitted on held-out training speakers and the ECE it gives; the new-voice factor, learnt from leave one corpus "
               "out, multiplies it for voices from elsewhere, and the app's probabilities use that product (ECE, new-voice T). "
               "Speaker normalisation: accuracy and UAR with K clips of each test speaker giving its mean.")


def confusion_tab(models: list[mr.ModelReport], protocol_names: list[str]) -> None:
    by_label = {m.label: m for m in models}
    protocol_column, scoring_column, fold_column = st.columns(3)
    protocol = protocol_column.selectbox("Protocol", protocol_names, format_func=lambda p: mr.protocol_title(models, p), key="cm_protocol")
    variant = scoring_column.selectbox("Scoring", mr.variants(models, protocol), format_func=lambda v: vocabulary.VARIANT_TITLES.get(v, v),
                                       key="cm_variant")
    with_protocol = [m for m in models if mr.confusion_matrix(m, protocol, variant) is not None]
    folds = ["all folds summed"] + (mr.fold_names(with_protocol[0], protocol) if with_protocol else [])
    fold_name = fold_column.selectbox("Folds", folds, key="cm_fold") if len(folds) > 2 else folds[0]
    fold = None if fold_name == folds[0] else folds.index(fold_name) - 1
    chosen = st.multiselect("Models", [m.label for m in with_protocol],
                            default=[m.label for m in with_protocol[:2]], key="cm_models")
    normalised = st.toggle("Row-normalised (each row: % of that emotion's clips, i.e. recall on the diagonal)", value=True,
                           key="cm_normalised")
    st.caption(escape_markdown(mr.protocol_description(models, protocol)))
    if not with_protocol:
        st.info("No model stored a confusion matrix for this protocol.", icon=":material/info:")
    elif not chosen:
        st.info("Choose at least one model.", icon=":material/info:")
    columns = st.columns(2)
    for k, label in enumerate(chosen):
        confusion = mr.confusion_matrix(by_label[label], protocol, variant, fold)
        with columns[k % 2]:
            if confusion is None:
                st.info(f"{escape_markdown(label)} has no matrix for {escape_markdown(fold_name)}.", icon=":material/info:")
                continue
            n = int(confusion.counts.sum())
            accuracy = confusion.counts.trace() / max(n, 1)
            title = f"{html.escape(label)} · {html.escape(confusion.scope)} · {n} clips · accuracy {100 * accuracy:.1f} %"
            st.plotly_chart(confusion_figure(confusion, normalised, title), width="stretch", theme=None)


def curves_tab(models: list[mr.ModelReport]) -> None:
    by_label = {m.label: m for m in models}
    model_column, fits_column, fold_column, variant_column = st.columns([2, 2, 3, 3])
    label = model_column.selectbox("Model", [m.label for m in models], key="curve_model")
    model = by_label[label]
    history_names = mr.history_protocols(model)
    if not history_names:
        st.info(f"{escape_markdown(label)} stored no training history.", icon=":material/info:")
        return
    protocol = fits_column.selectbox("Fits", history_names, key="curve_protocol",
                                     format_func=lambda p: "final fit (shipped)" if p == mr.FINAL else mr.protocol_title(models, p))
    variant = variant_column.radio("Model variant", list(mr.HISTORY_VARIANTS), horizontal=True, key="curve_variant",
                                   format_func=lambda v: "plain" if v == "plain" else "speaker-normalised")
    curves = mr.training_curves(model, protocol, variant)
    names = [c.title for c in curves]
    shown = curves
    if len(curves) > 1:
        pick = fold_column.selectbox("Fold", ["all folds"] + names, key="curve_fold")
        shown = curves if pick == "all folds" else [curves[names.index(pick)]]
    title = html.escape(f"{label} · {'final fit on all clips' if protocol == mr.FINAL else mr.protocol_title(models, protocol)}")
    st.plotly_chart(history_figure(shown, title), width="stretch", theme=None)
    st.caption(
        "Solid: validation speakers (held out of the training fold; never the test speakers); dotted: the training split; "
        "one colour per fold. Keras models stop early once the validation loss stops improving and keep their best "
        "weights (the dashed line marks the lowest validation loss of a single fit); scikit-learn models are fitted "
        "in one step, so they show one point."
    )


def cards_tab(models: list[mr.ModelReport]) -> None:
    for model in models:
        with st.expander(f"{escape_markdown(model.label)}{' · default model' if model.is_default else ''}", expanded=model.is_default,
                         icon=":material/star:" if model.is_default else ":material/neurology:"):
            cols = st.columns(4)
            acc = mr.figure(model, vocabulary.HEADLINE_PROTOCOL, "none", "accuracy")
            uar = mr.figure(model, vocabulary.HEADLINE_PROTOCOL, "none", "uar")
            cols[0].metric("RAVDESS accuracy", "–" if acc is None else f"{100 * acc:.1f} %")
            cols[1].metric("RAVDESS UAR", "–" if uar is None else f"{100 * uar:.1f} %")
            cols[2].metric("Parameters", f"{model.meta['parameters']:,}" if "parameters" in model.meta else "–")
            latency = (model.meta.get("latency_ms_3s") or {}).get("median")
            cols[3].metric("3 s clip", "–" if latency is None else f"{latency:.0f} ms")
            st.markdown("\n".join(f"- **{field}**: {card_value(field, value)}" for field, value in mr.model_card(model)))
            for problem in model.problems:
                st.warning(escape_markdown(problem), icon=":material/warning:")


def main() -> None:
    st.title("Compare models")
    st.caption(
        f"Everything below is read from the files each model stored in `{models_dir().name}/<name>/` when it was trained "
        "and evaluated; nothing is recomputed. All figures are **speaker-independent**: no test speaker was heard in training."
    )
    stored = (str(models_dir()), mr.models_signature(models_dir()))
    models, unreadable = reports(*stored)
    for message in unreadable:
        st.warning(escape_markdown(message), icon=":material/warning:")
    if not models:
        st.info("No trained model is installed in `models/`. Train one with `ser train whisper_head --data ../shared/data/corpora`.",
                icon=":material/info:")
        st.stop()
    protocol_names = mr.protocols(models)
    how_models_are_tested(models, protocol_names)

    # Only the open tab runs (and sends its charts): drawing every tab's charts at once kept the first one waiting.
    overview, confusion, curves, cards = st.tabs(TABS, key="compare_tab", on_change="rerun")
    if overview.open:
        with overview:
            overview_section(models, protocol_names, stored)
            protocol = protocol_detail_section(models, protocol_names, stored)
            calibration_section(protocol, stored)
    if confusion.open:
        with confusion:
            confusion_tab(models, protocol_names)
    if curves.open:
        with curves:
            curves_tab(models)
    if cards.open:
        with cards:
            cards_tab(models)


main()
