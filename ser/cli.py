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
    from ser.checks import QualityReport


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
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"'{text}' must be a finite number of seconds, 0 or more")
    return value


def _inspect(args: argparse.Namespace) -> int:
    from ser.checks import Limits, load_clip

    limits = Limits(min_seconds=args.min_seconds, max_seconds=args.max_seconds)
    return _for_each_file(args.paths, lambda path: load_clip(path, limits).report, _format_report, as_json=args.json)


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
    if as_json:
        print(json.dumps({"file": path, "error": message}, ensure_ascii=False), flush=True)
    else:
        print(f"{path}\n  error: {message}\n", flush=True)


def _format_report(path: str, r: QualityReport) -> str:
    channels = "1 channel" if r.original_channels == 1 else f"{r.original_channels} channels"
    speech = "no speech found" if r.speech_dbfs is None else f"speech {r.speech_dbfs:.1f} dBFS in {100 * r.speech_fraction:.0f}% of the time"
    lines = [
        path,
        f"  {r.duration_s:.2f} s · {r.container} {r.codec} · {r.original_sample_rate} Hz · {channels}",
        f"  peak {r.peak_dbfs:.1f} dBFS · RMS {r.rms_dbfs:.1f} dBFS · {speech}",
        f"  clipped {100 * r.clipped_fraction:.2f}% · wrap-arounds {r.wraparound_count} · DC offset {r.dc_offset:+.3f}",
    ]
    lines += [f"  warning: {w}" for w in r.warnings] or ["  no warnings"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
