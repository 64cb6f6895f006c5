"""Every page runs inside app.py's navigation, even when its address is the first one opened.

Streamlit (1.67) decides once per server, on the first session, whether the app uses the old
"pages/ folder" navigation: a ``pages`` folder exists here, so until ``app.py`` has called
``st.navigation`` once, opening ``/batch`` first ran ``pages/batch.py`` on its own, with a sidebar
listing every file in ``pages/`` (``app``, ``common``…) and without the app's page settings.
``through_app()``, the first call of every page, turns that off and reruns, so ``app.py`` runs and
shows the page asked for.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

_DONE = "_ser_through_app"  # set on a session's first run: only that run may be redone


def through_app() -> None:
    """Only a session's first run is redone: a rerun drops one-shot widget events (a button's click), and
    AppTest puts Streamlit back into that mode before every run it makes (so its runs stay as they were)."""
    if PagesManager.uses_pages_directory and not st.session_state.get(_DONE):
        st.session_state[_DONE] = True
        PagesManager.uses_pages_directory = False  # what st.navigation itself sets (streamlit/commands/navigation.py)
        st.rerun()
    st.session_state[_DONE] = True
