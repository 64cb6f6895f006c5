"""Load test of `ser serve`: N concurrent local clients post a 3 s clip to /v1/analyze (issue 12).

Starts `ser serve` on a free loopback port (or uses --url), waits for /healthz, sends one warm-up
request, then runs ``--clients`` threads that together send ``--requests`` requests (each client one
after another; every request a different synthetic speech-like clip, so nothing is served from a
cache). Prints and writes benchmarks/results/serve_load.json: requests per second, latency p50/p95
(client side, whole request), errors, and the single-client latency measured first for comparison.

    .venv/bin/python benchmarks/serve_load.py --clients 4 --requests 40
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ser import testing  # noqa: E402
from ser.testing import free_port  # noqa: E402


def _post(url: str, data: bytes, timeout_s: float) -> tuple[int, float]:
    request = urllib.request.Request(f"{url}/v1/analyze?filename=clip.wav", data=data, headers={"Content-Type": "audio/wav"})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as err:
        status = err.code
    except OSError:
        status = 0
    return status, time.perf_counter() - start


def _wait_ready(url: str, process: subprocess.Popen | None, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"ser serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise SystemExit("ser serve did not become ready")


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) if values else float("nan")


def run(url: str, clients: int, requests: int, seconds: float, timeout_s: float) -> dict:
    clips = [testing.wav_bytes(testing.speech_like(seconds, seed=1000 + i)) for i in range(requests + clients + 1)]
    _post(url, clips[-1], timeout_s)  # warm-up: first-call set-up of the model and feature code
    single = [_post(url, clips[requests + i], timeout_s)[1] for i in range(clients)]  # one client alone, for comparison
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def client() -> None:
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            status, latency = _post(url, clips[i], timeout_s)
            with lock:
                statuses.append(status)
                latencies.append(latency)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    ok = [lat for lat, s in zip(latencies, statuses, strict=True) if s == 200]
    return {
        "clients": clients,
        "requests": requests,
        "clip_seconds": seconds,
        "wall_s": round(wall, 2),
        "requests_per_s": round(len(ok) / wall, 2),
        "latency_s": {"p50": round(_percentile(ok, 50), 3), "p95": round(_percentile(ok, 95), 3), "max": round(max(ok, default=float("nan")), 3)},
        "single_client_latency_s": {"p50": round(_percentile(single, 50), 3)},
        "errors": sum(s != 200 for s in statuses),
        "statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=3.0, help="clip length")
    parser.add_argument("--url", default=None, help="an already running server (default: start one)")
    parser.add_argument("--model", default=None, help="model for the started server (default: the default model)")
    parser.add_argument("--threads", type=int, default=2, help="--threads of the started server")
    parser.add_argument("--timeout", type=float, default=300.0, help="per request, seconds (only so nothing hangs)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "serve_load.json"))
    args = parser.parse_args()
    if not (1 <= args.clients <= 64 and 1 <= args.requests <= 10_000):
        raise SystemExit("--clients must be 1-64 and --requests 1-10000")

    process = None
    url = args.url
    if url is None:
        port = free_port()
        command = [sys.executable, "-m", "ser.cli", "serve", "--port", str(port), "--threads", str(args.threads)]
        command += ["--model", args.model] if args.model else []
        env = {k: v for k, v in os.environ.items() if k != "SER_API_KEY"}
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process, 600)
        with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
            model = json.loads(response.read())["model"]
        load_before = [round(x, 2) for x in os.getloadavg()]  # other work on the machine changes the figures
        result = run(url, args.clients, args.requests, args.seconds, args.timeout)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=120)
    result.update({"model": model, "server_threads": args.threads if args.url is None else None,
                   "command": "python benchmarks/serve_load.py " + " ".join(sys.argv[1:]),
                   "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_average_before": load_before},
                   "measured": time.strftime("%Y-%m-%d %H:%M:%S %Z")})
    print(json.dumps(result, indent=2))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
