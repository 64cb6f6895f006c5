"""The server's analysis service: models and Whisper loaded once per process, analyses run off the event loop.

``AnalysisService.start()`` loads the default model (and then Whisper) in a background thread, so
``/healthz`` can answer "loading" at once and "ready" when the model is in memory. Each analysis
runs in a bounded thread pool (``ServeSettings.threads``); at most ``max_waiting`` more wait for a
thread, and a request beyond that is answered 503 at once instead of piling up uploads in memory.
The analysis itself is ``ser.analysis.result.analyze``, the function ``ser predict`` calls.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from ser.api.settings import ServeSettings
from ser.errors import SerError

if TYPE_CHECKING:
    from ser.analysis.result import Prediction
    from ser.models.predictor import Predictor

T = TypeVar("T")
LOADING, READY, FAILED = "loading", "ready", "failed"


class BusyError(SerError):
    """Every analysis thread is busy and the queue is full."""

    code = "busy"


class AnalysisService:
    def __init__(self, settings: ServeSettings) -> None:
        self.settings = settings
        self.state = LOADING
        self.error: SerError | None = None
        self.default_name: str | None = None
        self.transcription = "not loaded"
        self._predictors: dict[str, Predictor] = {}
        self._executor = ThreadPoolExecutor(max_workers=settings.threads, thread_name_prefix="ser-analysis")
        self._admitted = 0
        self._lock = threading.Lock()

    # --- loading, once per process -------------------------------------------------------------
    def start(self) -> threading.Thread:
        # Not a daemon: a process that ends while TensorFlow or CTranslate2 is still loading in a daemon
        # thread can abort (see ser.models.predictor.warm_up); shutting down waits for the load instead.
        thread = threading.Thread(target=self._load, name="ser-serve-load", daemon=False)
        thread.start()
        return thread

    def _load(self) -> None:
        try:
            from ser.models.artifacts import resolve

            folder = resolve(self.settings.model)
            predictor = self.predictor()
            predictor.predict(np.sin(np.linspace(0, 2000, 16_000, dtype=np.float32)) * np.float32(0.1))  # first call sets up
            self.default_name = folder.name
            self.state = READY
        except SerError as exc:
            self.error, self.state = exc, FAILED
            print(f"ser serve: the default model cannot be loaded: {exc.message}", file=sys.stderr, flush=True)
            return
        except Exception as exc:  # noqa: BLE001 - said in /healthz and on stderr, in one line
            self.error, self.state = SerError(f"The default model cannot be loaded ({type(exc).__name__}: {exc})."), FAILED
            print(f"ser serve: {self.error.message}", file=sys.stderr, flush=True)
            return
        if self.settings.warm_transcription:
            self.transcription = LOADING
            try:
                self.whisper()
            except Exception as exc:  # noqa: BLE001 - a request asking for a transcript reports it
                self.transcription = f"failed: {getattr(exc, 'message', exc)}"

    def predictor(self, model: str | None = None) -> Predictor:
        """The default model, or an installed one by name (names only: never a path a client chose)."""
        from ser.models.artifacts import UnknownModelError, list_models
        from ser.models.predictor import shared

        if model is None:
            if self.state == FAILED and self.error is not None:
                raise self.error
            key = ""  # the server's default model
        else:
            key = model
        if key in self._predictors:
            return self._predictors[key]
        if key and key != self.settings.model and key not in list_models():
            known = ", ".join(list_models()) or "none installed"
            raise UnknownModelError(f"No model called '{model}' (installed: {known}).")
        predictor = shared(key or self.settings.model)  # thread-safe, one per model folder and process
        self._predictors[key] = predictor
        return predictor

    def whisper(self) -> None:
        """Load the transcription models once per process (``ser.analysis.transcribe.load_transcription_models``)."""
        from ser.analysis.transcribe import load_transcription_models

        load_transcription_models()
        self.transcription = READY

    # --- analysis, off the event loop ----------------------------------------------------------
    def analyze(self, name: str, data: bytes, *, model: str | None, timeline: bool, transcribe: bool) -> Prediction:
        """One uploaded file (in a worker thread): the record ``ser predict --json`` prints."""
        from ser.analysis.result import analyze
        from ser.audio.clip import Limits

        predictor = self.predictor(model)
        transcriber: Callable[[Any], Any] | None = None
        if transcribe:
            from ser.analysis.transcribe import transcribe_clip as transcriber

            self.whisper()

        limits = Limits(min_seconds=self.settings.min_seconds, max_seconds=self.settings.max_seconds)
        try:
            return analyze(data, predictor, file=name, limits=limits, timeline=timeline, transcriber=transcriber)
        except SerError:
            raise
        except Exception as exc:  # noqa: BLE001 - an input nobody foresaw: this file's error (422), never a traceback
            raise unexpected(exc) from None

    def analyze_many(self, files: Sequence[tuple[str, bytes]], **options: Any) -> list[Prediction | SerError]:
        """Each file's record, or the error that stopped it; the others go on."""
        from ser.models.artifacts import UnknownModelError

        out: list[Prediction | SerError] = []
        for name, data in files:
            try:
                out.append(self.analyze(name, data, **options))
            except UnknownModelError:
                raise  # the request is wrong, not one of its files
            except SerError as exc:
                out.append(exc)
        return out

    async def run(self, work: Callable[[], T]) -> T:
        """``work()`` in the thread pool, or ``BusyError`` at once when threads and queue are full."""
        with self._lock:
            if self._admitted >= self.settings.threads + self.settings.max_waiting:
                raise BusyError("The server is busy with other analyses; try again in a moment.")
            self._admitted += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, work)
        finally:
            with self._lock:
                self._admitted -= 1

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


class UnexpectedError(SerError):
    """Something nobody foresaw went wrong with one input (reported like ``ser predict`` does)."""

    code = "unexpected"


def unexpected(exc: Exception) -> UnexpectedError:
    message = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
    print(f"ser serve: unexpected problem with an upload ({message})", file=sys.stderr, flush=True)
    return UnexpectedError(f"Unexpected problem with this file ({message}).")
