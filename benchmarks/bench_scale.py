"""Speed and scale of ensembles, measured in one run: ``make bench``.

Prints, for the baseline scenario on this machine:

1. **Batching.** Runs per second of one model of R = 1 replicate (what the dashboard steps) and of
   R = 1,000 replicates (36 months, one core, the model and its recorded metrics), and their ratio.
2. **Parallel speed-up.** Wall time of a 10,000-run ensemble (36 months, default recording, written
   to a results folder) on 1 and on 2 worker processes, and their ratio.
3. **Memory and time at scale.** Peak memory and wall time of ``sanctionsim run`` with 10,000 and
   100,000 runs of 60 months on 2 workers (default recording: metrics), and their ratio. Peak
   memory is the largest sum, over the command's process tree, of resident memory (RSS, which counts
   pages the forked workers share with their parent once per process) and of proportional memory
   (PSS, which shares them out), sampled every 0.1 s.

No assertion: shared machines are noisy; read the figures (the README quotes them). ``--quick``
runs smaller sizes to check that the benchmark works.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sanctionsim.experiments.ensemble import simulate
from sanctionsim.model.model import SanctionsModel
from sanctionsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def runs_per_second(config, *, replicates: int, repeats: int) -> float:  # type: ignore[no-untyped-def]
    """Best-of-``repeats`` runs per second of an R-replicate model over the horizon (CPU time of
    this process: the model and its metrics table's values)."""
    best = float("inf")
    for i in range(repeats):
        start = time.process_time()
        model = SanctionsModel(config=config, seed=i, replicates=range(replicates), record_flows=False)
        model.run()
        model.recorder.metric_values()
        best = min(best, time.process_time() - start)
    return replicates / best


def _cpu() -> float:
    """CPU seconds used by this process and its finished children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes of a process, 0 when it is gone."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
    except OSError:
        pass
    return rss, pss


def measure(args: list[str]) -> tuple[float, float, float]:
    """Run a command; return its wall time and the peaks of its process tree's summed RSS and PSS."""
    peak = [0, 0]
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            totals = [_memory(p) for p in _tree(proc.pid)]
            peak[0] = max(peak[0], sum(t[0] for t in totals))
            peak[1] = max(peak[1], sum(t[1] for t in totals))
            stop.wait(0.1)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    stop.set()
    watcher.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {err}")
    return wall, peak[0] / 1e9, peak[1] / 1e9


def main() -> None:
    """Print the benchmark."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: check that the benchmark runs")
    args = parser.parse_args()
    big_r, parallel_runs, scale_runs = (
        (200, 1000, (1000, 4000)) if args.quick else (1000, 10_000, (10_000, 100_000))
    )
    config = load_scenario(BASELINE).config
    print(f"baseline scenario, {os.cpu_count()} cores; {time.strftime('%Y-%m-%d %H:%M')}")

    single = runs_per_second(config, replicates=1, repeats=20)
    batch = runs_per_second(config, replicates=big_r, repeats=3)
    print(f"1. batching ({config.months} months, one core)")
    print(f"   R = 1:        {single:10.1f} runs/s   ({1000 / single / config.months:.2f} ms per month)")
    print(f"   R = {big_r:,}:  {batch:10.1f} runs/s")
    print(f"   ratio:        {batch / single:10.1f}x")

    tmp = Path(tempfile.mkdtemp(prefix="sanctionsim-bench-"))
    try:
        walls, busy = {}, {}
        print(f"2. parallel speed-up ({parallel_runs:,} runs, {config.months} months, default recording)")
        for workers in (1, 2):
            load = os.getloadavg()[0]
            before, start = _cpu(), time.perf_counter()
            simulate(BASELINE, runs=parallel_runs, workers=workers, out=tmp / f"w{workers}")
            walls[workers] = time.perf_counter() - start
            busy[workers] = (_cpu() - before) / walls[workers]
            print(
                f"   {workers} worker{'s' if workers > 1 else ' '}:   {walls[workers]:7.1f} s   "
                f"({parallel_runs / walls[workers]:,.0f} runs/s; {busy[workers]:.2f} cores busy; "
                f"load average before {load:.1f})"
            )
        print(f"   speed-up:    {walls[1] / walls[2]:7.2f}x")

        print("3. scale (60 months, 2 workers, default recording, `sanctionsim run`)")
        peaks = {}
        for runs in scale_runs:
            load = os.getloadavg()[0]
            out = tmp / f"n{runs}"
            command = [sys.executable, "-m", "sanctionsim.cli", "run", str(BASELINE), "--runs", str(runs)]
            wall, rss, pss = measure(
                [*command, "--months", "60", "--workers", "2", "--yes", "--out", str(out)]
            )
            size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e9
            peaks[runs] = rss
            print(
                f"   {runs:>7,} runs: {wall:6.1f} s, peak memory {rss:.2f} GB RSS ({pss:.2f} GB PSS), "
                f"{size:.2f} GB on disk; load average before {load:.1f}"
            )
            shutil.rmtree(out)
        small, large = scale_runs
        print(f"   peak RSS {large:,} / {small:,} runs: {peaks[large] / peaks[small]:.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
