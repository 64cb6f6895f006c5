"""What one ``ser serve`` process is told: its model, key, limits and how much work it takes at once.

``ServeSettings`` is built from the command line (``ser serve``) or, in each worker process that
uvicorn starts for ``--workers N``, from the environment (``SER_SERVE_SETTINGS``, JSON; the key
travels as ``SER_API_KEY``, never in that JSON).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

from ser.errors import ConfigError

ENV_SETTINGS = "SER_SERVE_SETTINGS"
ENV_API_KEY = "SER_API_KEY"


@dataclass(frozen=True)
class ServeSettings:
    model: str | None = None  # the default model: a name under models/ or a folder; None: models/DEFAULT
    api_key: str | None = None  # when set, every /v1 request must send it (X-API-Key or Authorization: Bearer)
    max_upload_mb: float = 100.0  # larger request bodies get 413, before they are read in full
    threads: int = 2  # analyses running at once in this process (off the event loop)
    max_waiting: int = 16  # analyses queued behind those; more get 503 "busy"
    max_batch_files: int = 32  # files in one /v1/analyze/batch request
    min_seconds: float = 0.5  # shortest audio accepted (ser.audio.clip.Limits)
    max_seconds: float = 2 * 3600.0  # longest audio accepted
    warm_transcription: bool = True  # load Whisper at start-up too, after the default model

    def __post_init__(self) -> None:
        if not self.max_upload_mb > 0:
            raise ConfigError("--max-upload-mb must be more than 0.")
        if self.threads < 1 or self.max_waiting < 0 or self.max_batch_files < 1:
            raise ConfigError("--threads and the batch size must be at least 1, and the queue 0 or more.")
        if self.api_key is not None and not self.api_key.strip():
            raise ConfigError("The API key must not be empty.")

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    def to_env(self) -> dict[str, str]:
        """Environment variables that carry these settings to uvicorn's worker processes."""
        env = {ENV_SETTINGS: json.dumps({k: v for k, v in asdict(self).items() if k != "api_key"})}
        if self.api_key:
            env[ENV_API_KEY] = self.api_key
        return env

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServeSettings:
        """Settings from ``SER_SERVE_SETTINGS`` (JSON, all optional) and ``SER_API_KEY``."""
        environ = os.environ if environ is None else environ
        try:
            given = json.loads(environ.get(ENV_SETTINGS) or "{}")
        except ValueError as exc:
            raise ConfigError(f"{ENV_SETTINGS} is not valid JSON ({exc}).") from None
        known = {f.name for f in fields(cls)} - {"api_key"}
        if not isinstance(given, dict) or set(given) - known:
            raise ConfigError(f"{ENV_SETTINGS} must be a JSON object with keys among: {', '.join(sorted(known))}.")
        return cls(**given, api_key=environ.get(ENV_API_KEY) or None)
