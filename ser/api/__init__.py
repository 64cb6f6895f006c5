"""``ser serve``: the analysis as a JSON HTTP API (FastAPI on uvicorn).

``create_app(ServeSettings(...))`` builds the ASGI app (``ser.api.app``); the analysis is
``ser.analysis.result.analyze``, the same function as ``ser predict``. Importing this package
loads FastAPI but neither TensorFlow nor Whisper: the service loads them once, in the background.
"""

from ser.api.app import create_app
from ser.api.settings import ServeSettings

__all__ = ["create_app", "ServeSettings"]
