"""Where Whisper's log-mel peaks in each corpus: the source of ``ser.audio.whisper_layers.LEVEL_PEAK``.

For 80 clips of each corpus (drawn with seed 0), the loudest value of the log-mel the encoder eats (Whisper's
scaled units: log10 power / 4 + 1; a gain of g dB moves it by g / 40) and the clip's RMS level. Prints one line
per corpus and the median over all clips, writes benchmarks/results/mel_peaks.json.

    .venv/bin/python benchmarks/checks/mel_peaks.py [--data ../shared/data/corpora] [--clips 80]
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from pathlib import Path

import numpy as np

from ser.audio.decode import decode
from ser.audio.whisper_layers import LEVEL_PEAK, log_mel
from ser.data.corpora import load_corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/corpora")
    parser.add_argument("--clips", type=int, default=80, help="clips per corpus (default 80)")
    parser.add_argument("--out", default="benchmarks/results/mel_peaks.json")
    args = parser.parse_args()
    by_corpus: dict[str, list] = defaultdict(list)
    for row in load_corpus(args.data).rows:
        by_corpus[row.dataset].append(row)
    rng = random.Random(0)
    report: dict = {"clips_per_corpus": args.clips, "corpora": {}}
    peaks_all = []
    for corpus, rows in sorted(by_corpus.items()):
        peaks, levels = [], []
        for row in rng.sample(rows, min(args.clips, len(rows))):
            samples = decode(row.path).samples
            peaks.append(float(log_mel(samples).max()))
            levels.append(float(20 * np.log10(np.sqrt(np.mean(samples.astype(np.float64) ** 2)) + 1e-12)))
        peaks_all += peaks
        p10, p50, p90 = np.percentile(peaks, [10, 50, 90])
        report["corpora"][corpus] = {"peak_p10": p10, "peak_median": p50, "peak_p90": p90,
                                     "rms_dbfs_median": float(np.median(levels))}
        print(f"{corpus:10s} log-mel peak median {p50:.2f} (p10 {p10:.2f}, p90 {p90:.2f}), RMS {np.median(levels):.1f} dBFS",
              flush=True)
    report["peak_median_all"] = float(np.median(peaks_all))
    report["LEVEL_PEAK"] = LEVEL_PEAK
    print(f"median over {len(peaks_all)} clips: {report['peak_median_all']:.2f} (LEVEL_PEAK {LEVEL_PEAK})")
    Path(args.out).write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
