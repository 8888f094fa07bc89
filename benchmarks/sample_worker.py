"""Sample N rows from a saved model in a fresh process and report time and peak memory.

Run as ``python -m benchmarks.sample_worker TOOL MODEL N [OUT]``; prints one JSON line. A fresh
process makes the peak resident memory that of loading and sampling alone.
"""

from __future__ import annotations

import json
import sys
import time


def peak_mb() -> float:
    """Peak resident memory of this process (VmHWM, which, unlike ru_maxrss, resets on exec)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("VmHWM not found in /proc/self/status")


def main() -> None:
    tool, model_path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    out = sys.argv[4] if len(sys.argv) > 4 else None
    if tool == "synthgan":
        from synthgan import load

        baseline = peak_mb()
        model = load(model_path)
        model.verbose = False
        started = time.perf_counter()
        if out:
            model.sample_to(out, n, seed=1)
        else:
            model.sample(n, seed=1)
    else:
        from benchmarks.tools import TOOLS

        baseline = peak_mb()
        model = TOOLS[tool].load(model_path)
        started = time.perf_counter()
        model.sample(n)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_mb(), "import_rss_mb": baseline}))


if __name__ == "__main__":
    main()
