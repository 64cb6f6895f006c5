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


def through_app() -> None:
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False  # what st.navigation itself sets (streamlit/commands/navigation.py)
        st.rerun()
