"""Typed errors. Every error a person can cause carries a one-line, human message.

Callers (CLI, app) show ``err.message``; ``err.code`` is a stable machine-readable slug.
"""

from __future__ import annotations


class SerError(Exception):
    """Base class for every error ``ser`` raises on purpose."""

    code: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AudioError(SerError):
    """The audio given cannot be used. Subclasses say why."""

    code = "audio_error"


class FileAccessError(AudioError):
    """The file does not exist or cannot be read."""

    code = "file_access"


class NotAudioError(AudioError):
    """The input is not audio in any format we can decode."""

    code = "not_audio"


class CorruptAudioError(AudioError):
    """The input looks like audio but is damaged or truncated."""

    code = "corrupt"


class EmptyAudioError(AudioError):
    """The input decodes to no samples at all."""

    code = "empty"


class TooShortError(AudioError):
    """The audio is shorter than the minimum duration."""

    code = "too_short"


class TooLongError(AudioError):
    """The audio is longer than the configured maximum."""

    code = "too_long"


class SilentAudioError(AudioError):
    """The audio is silent or nearly silent."""

    code = "silent"


class NonFiniteAudioError(AudioError):
    """The audio contains NaN or infinite sample values."""

    code = "non_finite"


class TooLargeError(SerError):
    """An upload is larger than the server accepts (``ser serve --max-upload-mb``)."""

    code = "too_large"


class CorpusError(SerError):
    """A corpus folder or manifest cannot be used."""

    code = "corpus"


class ConfigError(SerError):
    """A configuration (e.g. a stored FeatureConfig) is invalid."""

    code = "config"


class SplitLeakError(SerError):
    """A split puts the same speaker in both train and test."""

    code = "split_leak"
