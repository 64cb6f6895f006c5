"""Shared helper for the serialisable config dataclasses (FeatureConfig, AugmentConfig, LabelSet)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

from ser.errors import ConfigError

T = TypeVar("T")


def from_mapping(cls: type[T], data: Mapping[str, Any]) -> T:
    """Build the dataclass ``cls`` from a mapping: missing keys take their defaults, unknown keys
    and values the class rejects raise ``ConfigError`` with a one-line message."""
    name = cls.__name__
    if not isinstance(data, Mapping):
        raise ConfigError(f"a {name} must be a mapping, got {type(data).__name__}")
    known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(str(k) for k in data if k not in known)
    if unknown:
        raise ConfigError(f"unknown {name} key(s): {', '.join(unknown)}")
    return cls(**data)
