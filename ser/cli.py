"""The ``ser`` command line.

Every failure a person can cause is printed as a one-line message; no traceback ever
reaches the terminal. Exit status: 0 when everything succeeded, 2 when any input failed
(or the command line was wrong), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from ser.errors import SerError

if TYPE_CHECKING:
    from ser.analysis.result import Prediction
    from ser.audio.checks import QualityReport


class _Result(Protocol):
    def to_dict(self) -> dict[str, Any]: ...

EXIT_OK = 0
EXIT_FAILED = 2
EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ser`` console command."""
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has already printed usage and the problem
        return EXIT_OK if exc.code in (0, None) else EXIT_FAILED
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `ser inspect ... | head`
        return EXIT_OK
    except SerError as exc:
        print(f"ser: {exc.message}", file=sys.stderr)
        return EXIT_FAILED


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ser", description="Speech emotion recognition tools.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    inspect = sub.add_parser(
        "inspect",
        help="decode audio files and print their quality report",
        description="Decode each file and print its quality report (duration, format, levels, "
        "clipping, wrap-around glitches, speech fraction, warnings).",
    )
    inspect.add_argument("paths", nargs="+", metavar="PATH", help="audio files in any supported format")
    inspect.add_argument("--json", action="store_true", help="print one JSON object per file and line")
    inspect.add_argument("--min-seconds", type=_seconds, default=0.5, help="shortest accepted audio (default 0.5)")
    inspect.add_argument("--max-seconds", type=_seconds, default=7200.0, help="longest accepted audio (default 7200)")
    inspect.set_defaults(handler=_inspect)

    predict = sub.add_parser(
        "predict",
        help="predict the emotion of audio files",
        description="Classify each file with an installed model (loaded once for all files).",
    )
    predict.add_argument("paths", nargs="+", metavar="PATH", help="audio files in any supported format")
    predict.add_argument("--model", default=None, help="model name or folder (default: the shipped default model)")
    predict.add_argument("--speaker-norm", nargs="+", metavar="FILE", default=None,
                         help="a few unlabeled clips of the same speaker (e.g. 10-30 s of speech): normalise to this speaker")
    predict.add_argument("--json", action="store_true", help="print one JSON object per file and line")
    predict.add_argument("--transcribe", action="store_true",
                         help="add the transcript (offline Whisper, in the language spoken) and each timeline segment's words")
    predict.set_defaults(handler=_predict)

    models = sub.add_parser("models", help="list installed models with their speaker-independent figures")
    models.add_argument("--markdown", action="store_true", help="print the full markdown comparison table")
    models.set_defaults(handler=_models)

    train = sub.add_parser("train", help="train a model from the zoo, evaluate it speaker-independently, write models/NAME/")
    train.add_argument("recipe", help=_LazyHelp(lambda: "zoo recipe: " + ", ".join(_recipes())))
    train.add_argument("--data", nargs="+", required=True, metavar="PATH",
                       help="corpus manifests or folders (RAVDESS, TESS, SAVEE, CREMA-D, EmoDB, ASED, EMOVO, nEMO, TurEV-DB, URDU layouts)")
    train.add_argument("--name", default=None, help="model folder name (default: the recipe name)")
    train.add_argument("--out", default=None, help="models folder (default: the project's models/)")
    train.add_argument("--labels", default="all", help="'all' (8 emotions), 'merge-calm', or a comma-separated subset")
    train.add_argument("--protocols", default="auto",
                       help=_LazyHelp(lambda: "'auto' (all the data allows), 'none', or a comma-separated list: " + ", ".join(_protocols())))
    train.add_argument("--epochs", type=int, default=None, help="maximum epochs (Keras models)")
    train.add_argument("--seed", type=int, default=None, help="random seed (default: the recipe's)")
    train.add_argument("--augment", type=int, default=None, metavar="N",
                       help="augmented copies of every training clip (noise, stretch, pitch, shift, reverb, gain, codecs); 0 = off")
    train.add_argument("--n-mfcc", type=int, default=None, metavar="N", help="MFCC coefficients (feature setting n_mfcc)")
    train.add_argument("--n-mels", type=int, default=None, metavar="N", help="mel bands (feature setting n_mels)")
    train.add_argument("--hop-length", type=int, default=None, metavar="SAMPLES",
                       help="frame hop in samples at 16 kHz, e.g. 160 = 10 ms (feature setting hop_length)")
    train.add_argument("--feature", action="append", default=[], metavar="KEY=VALUE",
                       help="override any feature setting of the recipe, e.g. --feature fmax=8000 --feature deltas=false "
                       "(repeatable; see ser.audio.features.FeatureConfig)")
    train.set_defaults(handler=_train)

    evaluate = sub.add_parser("evaluate", help="re-run the evaluation protocol for installed models and print the comparison table")
    evaluate.add_argument("models", nargs="*", help="model names (default: all installed)")
    evaluate.add_argument("--data", nargs="+", default=None, metavar="PATH", help="corpora (needed unless --table-only)")
    evaluate.add_argument("--protocols", default="auto", help=_LazyHelp(lambda: "'auto' or a comma-separated list: " + ", ".join(_protocols())))
    evaluate.add_argument("--table-only", action="store_true", help="print the table from the stored metrics; compute nothing")
    evaluate.add_argument("--measure-latency", action="store_true",
                          help="re-measure each model's warm time for a 3 s clip on this machine and store it in meta.json")
    evaluate.add_argument("--write-readme", default=None, metavar="FILE",
                          help="also write the table into FILE (e.g. models/README.md) between its <!-- ser:table ... --> markers")
    evaluate.add_argument("--choose-default", action="store_true",
                          help=_LazyHelp(lambda: "make the default (models/DEFAULT) the model with the best "
                                         "leave-one-corpus-out mean UAR, else the best RAVDESS 6-fold UAR (no speaker "
                                         "normalisation); the current default stays unless another model beats it by more "
                                         f"than {100 * _choice_margin():g} point(s)"))
    evaluate.set_defaults(handler=_evaluate)

    serve = sub.add_parser(
        "serve",
        help="serve the analysis as a JSON HTTP API (POST /v1/analyze; docs at /docs)",
        description="Run the HTTP API (FastAPI on uvicorn): POST /v1/analyze and /v1/analyze/batch, GET /v1/models and "
        "/healthz, OpenAPI docs at /docs. The models and Whisper are loaded once per process; uploads stay in memory.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--model", default=None, help="default model name or folder (default: the shipped default model)")
    serve.add_argument("--workers", type=int, default=1, help="server processes, each with its own copy of the models (default 1)")
    serve.add_argument("--threads", type=int, default=2, help="analyses running at once in each process (default 2)")
    serve.add_argument("--api-key", default=None, help="require this key in the X-API-Key header of /v1 requests (default: $SER_API_KEY; "
                       "none: open)")
    serve.add_argument("--max-upload-mb", type=float, default=100.0, help="largest request body accepted, in MB (default 100)")
    serve.set_defaults(handler=_serve)

    bench = sub.add_parser("benchmark", help="measure speed and memory; write JSON to benchmarks/results/ and a table")
    bench.add_argument("--parts", default=",".join(_bench_parts()), help="comma-separated: " + ", ".join(_bench_parts()))
    bench.add_argument("--runs", type=int, default=50, help="warm runs for the 3 s clip (default 50)")
    bench.add_argument("--minutes", type=float, default=10.0, help="length of the long recording (default 10)")
    bench.add_argument("--model", default=None, help="model name (default: the default model)")
    bench.add_argument("--out", default="benchmarks/results", help="folder for benchmark.json")
    bench.add_argument("--write-readme", default=None, metavar="FILE",
                       help="also write the table into FILE between its <!-- ser:benchmark ... --> markers")
    bench.set_defaults(handler=_benchmark)
    return parser


class _LazyHelp(str):
    """Help text made only when help is shown: the recipe list imports the model zoo (scikit-learn,
    seconds), which `ser predict missing.wav` should not wait for."""

    make: Callable[[], str]

    def __new__(cls, make: Callable[[], str]) -> _LazyHelp:
        text = super().__new__(cls, "(list)")
        text.make = make
        return text

    def __mod__(self, params: dict[str, Any]) -> str:  # argparse expands help with `help % params`
        return self.make() % params


def _serve(args: argparse.Namespace) -> int:
    import os

    from ser.api.settings import ENV_API_KEY, ServeSettings
    from ser.errors import ConfigError
    from ser.models.artifacts import resolve

    if args.workers < 1 or not 0 < args.port < 65536:
        raise ConfigError("--workers must be at least 1 and --port between 1 and 65535")
    settings = ServeSettings(model=args.model, api_key=args.api_key or os.environ.get(ENV_API_KEY) or None,
                             max_upload_mb=args.max_upload_mb, threads=args.threads)
    resolve(settings.model)  # an unknown model is a one-line error now, not a failed server later
    import uvicorn

    if args.workers == 1:
        from ser.api.app import create_app

        uvicorn.run(create_app(settings), host=args.host, port=args.port)
    else:  # each worker process builds its app from the environment
        os.environ.update(settings.to_env())
        uvicorn.run("ser.api.app:app_from_env", factory=True, host=args.host, port=args.port, workers=args.workers)
    return EXIT_OK


def _bench_parts() -> tuple[str, ...]:
    from ser.benchmark import PARTS

    return PARTS


def _benchmark(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from ser import benchmark
    from ser.errors import ConfigError

    parts = tuple(p.strip() for p in args.parts.split(",") if p.strip())
    unknown = [p for p in parts if p not in benchmark.PARTS]
    if unknown or not parts:
        raise ConfigError(f"unknown benchmark part(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(benchmark.PARTS)}")
    if args.runs < 1 or args.minutes <= 0:
        raise ConfigError("--runs must be at least 1 and --minutes more than 0")
    result = benchmark.run(parts, runs=args.runs, minutes=args.minutes, model=args.model,
                           log=lambda m: print(m, file=sys.stderr, flush=True))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "benchmark.json").write_text(json.dumps(result, indent=2) + "\n")
    extra = {name: json.loads((out / f"{name}.json").read_text()) if (out / f"{name}.json").is_file() else None
             for name in ("startup", "load_test")}
    table = benchmark.table(result, extra["startup"], extra["load_test"])
    print(table)
    if args.write_readme:
        benchmark.write_table(Path(args.write_readme), table)
        print(f"\ntable written to {args.write_readme}")
    return EXIT_OK


def _recipes() -> list[str]:
    from ser.models.zoo import PRESETS

    return list(PRESETS)


def _choice_margin() -> float:
    from ser.evaluation.experiment import CHOICE_MARGIN

    return CHOICE_MARGIN


def _protocols() -> list[str]:
    from ser.evaluation.protocols import PROTOCOLS

    return list(PROTOCOLS)


def _parse_protocols(text: str) -> list[str] | None:
    from ser.errors import ConfigError
    from ser.evaluation.protocols import PROTOCOLS

    if text == "auto":
        return None
    if text == "none":
        return []
    names = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [n for n in names if n not in PROTOCOLS]
    if unknown:
        raise ConfigError(f"unknown protocol(s): {', '.join(unknown)} (known: {', '.join(PROTOCOLS)})")
    return names


def _parse_labels(text: str):
    from ser.data.labels import LabelSet

    if text == "all":
        return LabelSet()
    if text == "merge-calm":
        return LabelSet(merge_calm=True)
    return LabelSet(keep=tuple(t.strip() for t in text.split(",") if t.strip()))


def _feature_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """FeatureConfig overrides from --n-mfcc/--n-mels/--hop-length and each --feature KEY=VALUE.

    Values are read as JSON where they parse (numbers, true/false, null) and as text otherwise."""
    from ser.errors import ConfigError

    overrides: dict[str, Any] = {}
    for item in args.feature:
        key, sep, text = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key or not text.strip():
            raise ConfigError(f"--feature needs KEY=VALUE (e.g. --feature n_mfcc=20), got '{item}'")
        try:
            overrides[key] = json.loads(text.strip())
        except ValueError:
            overrides[key] = text.strip()
    for key in ("n_mfcc", "n_mels", "hop_length"):
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    return overrides


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"'{text}' must be a finite number of seconds, 0 or more")
    return value


def _inspect(args: argparse.Namespace) -> int:
    from ser.audio.clip import Limits, load_clip

    limits = Limits(min_seconds=args.min_seconds, max_seconds=args.max_seconds)
    return _for_each_file(args.paths, lambda path: load_clip(path, limits).report, _format_report, as_json=args.json)


def _predict(args: argparse.Namespace) -> int:
    """Each file is decoded and checked before any model is loaded: a missing or broken file is
    reported at once, and TensorFlow is imported only when there is audio to classify."""
    from ser.analysis.result import analyze_clip
    from ser.audio.clip import load_clip
    from ser.models.artifacts import resolve

    resolve(args.model)  # an unknown model name fails here, before any audio or TensorFlow
    norm_clips = [load_clip(p).samples for p in args.speaker_norm] if args.speaker_norm else None
    loaded: dict[str, Any] = {}

    def run(path: str) -> Prediction:  # long audio: the emotion timeline, as on the Analyze page and in `ser serve`
        clip = load_clip(path)  # checked before any model loads (the rest of ser.analysis.result.analyze)
        if not loaded:
            loaded["predictor"] = _load_predictor(args.model)
            loaded["speaker_mean"] = loaded["predictor"].speaker_mean(norm_clips) if norm_clips else None
        prediction = analyze_clip(clip, loaded["predictor"], file=path, speaker_mean=loaded["speaker_mean"], timeline=True)
        if args.transcribe and clip.speech:
            from ser.analysis.transcribe import transcribe_clip

            prediction = prediction.with_transcript(transcribe_clip(clip))
        return prediction

    return _for_each_file(args.paths, run, _format_prediction, as_json=args.json)


class _ModelLoadError(Exception):
    """A model that cannot be loaded: ends the command (it would fail for every file alike)."""

    def __init__(self, error: SerError) -> None:
        super().__init__(error.message)
        self.error = error


def _load_predictor(model: str | None):
    from ser.models.predictor import Predictor

    try:
        return Predictor(model)
    except SerError as exc:
        raise _ModelLoadError(exc) from None


def _format_prediction(path: str, p: Prediction) -> str:
    ranked = sorted(p.probabilities.items(), key=lambda kv: -kv[1])
    bars = "\n".join(f"  {label:10s} {'█' * round(20 * prob):20s} {100 * prob:5.1f}%" for label, prob in ranked)
    note = " (speaker-normalised)" if p.speaker_normalised else ""
    lines = [f"{_one_line(path)}: {p.emotion} ({100 * ranked[0][1]:.0f}%){note} · {p.duration_s:.2f} s · model {p.model}", bars]
    lines += [f"  warning: {w}" for w in p.warnings]
    if p.transcript is not None:
        lines.append(f"  said ({p.language or '?'}): {_one_line(p.transcript) or '(no words recognised)'}")
    return "\n".join(lines) + "\n"


def _models(args: argparse.Namespace) -> int:
    from ser.evaluation.experiment import comparison_table
    from ser.models.artifacts import ModelError, default_model_name, list_models, models_dir

    names = list_models()
    if not names:
        print(f"No models installed in {models_dir()}. Train one with `ser train`.")
        return EXIT_OK
    if args.markdown:
        print(comparison_table([models_dir() / n for n in names]))
        return EXIT_OK
    try:
        default = default_model_name()
    except ModelError:
        default = None
    table = comparison_table([models_dir() / n for n in names]).splitlines()
    encoders = {n: _encoder_of(models_dir() / n) for n in names}
    first = table.index("") if "" in table else len(table)  # the leave-one-corpus-out table follows a blank line
    blocks: list[list[list[str]]] = [[], []]
    for i, line in enumerate(table):
        cells = [c.strip() for c in line.strip("|").split("|")]
        if not line.strip() or all(set(c) <= set("-: ") for c in cells):  # the blank line and markdown rules
            continue
        if i == 0:
            cells[1:3] = ["head params", "head MB", "+ encoder", "total params", "total MB"]
        elif i < first:  # a model row of the first table
            name, params, size = encoders[cells[0]] or ("–", 0, 0)
            head_params, head_mb = int(cells[1].replace(",", "")), float(cells[2])
            cells[3:3] = [name, f"{head_params + params:,}", f"{head_mb + size / 2**20:.1f}"]
        blocks[i > first].append(cells)
    for n, block in enumerate(b for b in blocks if b):
        widths = [max(len(row[k]) for row in block if k < len(row)) for k in range(max(map(len, block)))]
        print("" if n == 0 else "\n", end="")
        for cells in block:
            mark = "*" if cells[0] == default else " "
            print(f"{mark} {cells[0]:{widths[0]}s}  " + "  ".join(f"{c:>{w}s}" for c, w in zip(cells[1:], widths[1:], strict=False)))
    used = {e[0]: e for e in encoders.values() if e}
    if used:
        print("\nhead: the trained model stored in models/NAME; total adds the Whisper encoder its input runs on "
              "(counted from the encoder's weights): " + "; ".join(f"{n} {p:,} parameters, {b / 2**20:.1f} MB" for n, p, b in used.values()) + ".")
    if default:
        print("\n* default model. Figures: speaker-independent, from `ser evaluate` (see models/README.md).")
    return EXIT_OK


def _encoder_of(folder) -> tuple[str, int, int] | None:
    """(Whisper model, encoder parameters, encoder bytes) a model's input needs, or None."""
    from ser.audio.whisper import encoder_size
    from ser.models.artifacts import read_json
    from ser.models.inputs import InputSpec

    spec = InputSpec.from_dict(read_json(folder / "meta.json")["spec"]["input"])
    if not spec.uses_whisper:
        return None
    return (spec.whisper_model, *encoder_size(spec.whisper_model))


def _train(args: argparse.Namespace) -> int:
    import shlex
    from dataclasses import replace
    from pathlib import Path

    from ser.evaluation.experiment import train
    from ser.models.artifacts import models_dir
    from ser.models.zoo import preset, with_features

    spec = preset(args.recipe)
    name = args.name or args.recipe
    spec = replace(spec, name=name)
    if args.epochs is not None:
        spec = replace(spec, epochs=args.epochs)
    if args.seed is not None:
        spec = replace(spec, seed=args.seed)
    if args.augment is not None:
        spec = replace(spec, augment_copies=args.augment)
    spec = with_features(spec, _feature_overrides(args))
    out = Path(args.out) if args.out else models_dir()
    command = "ser " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:2] == ["train"] else f"ser train {args.recipe}"
    train(spec, args.data, out / name, label_set=_parse_labels(args.labels), protocols=_parse_protocols(args.protocols), command=command,
          progress=True)
    return EXIT_OK


def _evaluate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ser.errors import ConfigError
    from ser.evaluation.experiment import comparison_table, reevaluate
    from ser.models.artifacts import list_models, resolve

    folders = [resolve(n) for n in (args.models or list_models())]
    if not folders:
        raise ConfigError("no models to evaluate")
    if not args.table_only:
        if not args.data:
            raise ConfigError("--data is needed to evaluate (or use --table-only)")
        for folder in folders:
            reevaluate(folder, args.data, _parse_protocols(args.protocols))
    if args.measure_latency:
        from ser.evaluation.experiment import remeasure_latency

        for folder in folders:
            remeasure_latency(folder)
    print(comparison_table(folders))
    if args.choose_default:
        from ser.evaluation.experiment import CHOICE_MARGIN, choose_default
        from ser.evaluation.protocols import PROTOCOLS

        best, uar, protocol = choose_default(folders)
        print(f"\ndefault model: {best.name} ({PROTOCOLS[protocol].short_title} UAR {100 * uar:.1f} %; a model must beat "
              f"the current default by more than {100 * CHOICE_MARGIN:g} point(s) to replace it), written to {best.parent / 'DEFAULT'}")
    if args.write_readme:
        from ser.evaluation.experiment import write_readme

        write_readme(Path(args.write_readme), folders)
        print(f"\ntable written to {args.write_readme}")
    return EXIT_OK


def _for_each_file(
    paths: Sequence[str],
    run: Callable[[str], _Result],
    show: Callable[[str, _Result], str],
    *,
    as_json: bool,
) -> int:
    """Run ``run`` on every path; a failing file is reported and the others go on."""
    failed = 0
    for path in paths:
        try:
            result = run(path)
        except _ModelLoadError as exc:
            raise exc.error from None
        except SerError as exc:
            failed += 1
            _emit_error(path, exc.message, as_json)
            continue
        except (KeyboardInterrupt, BrokenPipeError):
            raise
        except Exception as exc:  # a bug or an input we did not foresee: still no traceback
            failed += 1
            _emit_error(path, f"Unexpected problem with this file ({type(exc).__name__}: {exc}).", as_json)
            continue
        if as_json:
            print(json.dumps({"file": path, **result.to_dict()}, ensure_ascii=False), flush=True)
        else:
            print(show(path, result), flush=True)
    return EXIT_FAILED if failed else EXIT_OK


def _emit_error(path: str, message: str, as_json: bool) -> None:
    """A file that failed: a JSON row on stdout with --json, else one line on stderr."""
    if as_json:
        print(json.dumps({"file": path, "error": message}, ensure_ascii=False), flush=True)
    else:
        print(f"ser: {message}" if path in message else f"ser: {_one_line(path)}: {message}", file=sys.stderr, flush=True)


def _one_line(path: str) -> str:
    """A file name as shown in human output: a newline or other control character in it becomes a space."""
    return "".join(c if c.isprintable() else " " for c in path)


def _format_report(path: str, r: QualityReport) -> str:
    from ser.audio.checks import percent

    channels = "1 channel" if r.original_channels == 1 else f"{r.original_channels} channels"
    speech = "no speech found" if r.speech_dbfs is None else f"speech {r.speech_dbfs:.1f} dBFS in {percent(r.speech_fraction)} of the time"
    lines = [
        _one_line(path),
        f"  {r.duration_s:.2f} s · {r.container} {r.codec} · {r.original_sample_rate} Hz · {channels}",
        f"  peak {r.peak_dbfs:.1f} dBFS · RMS {r.rms_dbfs:.1f} dBFS · {speech}",
        f"  clipped {100 * r.clipped_fraction:.2f}% · wrap-arounds {r.wraparound_count} · DC offset {r.dc_offset:+.3f}",
    ]
    lines += [f"  warning: {w}" for w in r.warnings] or ["  no warnings"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
