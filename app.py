"""ser dashboard: `streamlit run app.py`. Pages hold UI only; computation lives in `ser/`."""

import streamlit as st

st.set_page_config(page_title="ser · speech emotion recognition", page_icon="🎙️", layout="wide")

pages = [
    st.Page("pages/analyze.py", title="Analyze", icon=":material/graphic_eq:", default=True),
    st.Page("pages/batch.py", title="Batch", icon=":material/library_music:"),
    st.Page("pages/compare_models.py", title="Compare models", icon=":material/leaderboard:"),
    st.Page("pages/explore_data.py", title="Explore data", icon=":material/dataset:"),
]


@st.cache_resource(show_spinner=False)
def warm_up():
    """Once per server: load TensorFlow, the default model and Whisper in the background if no
    request has needed them 6 s after start. Earlier, the two would compete for the CPU and the
    GIL: a warm-up 1.5 s after start made the first result come later (12.9 s after `streamlit
    run`) than no warm-up at all (7.7 s) when a file was uploaded as soon as the page was ready."""
    import os

    from ser.models.predictor import warm_up

    return None if os.environ.get("SER_WARM_UP", "1") == "0" else warm_up(delay=6.0)


warm_up()
st.navigation(pages).run()
