"""Reports: stored model files and corpora become tables and figures for the dashboard.

``model_report`` (model cards, comparison tables), ``explore`` (corpus tables and examples),
``charts`` (Plotly figures of both) and ``audio_plots`` (waveform, spectrogram, features).
"""
