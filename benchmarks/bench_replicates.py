"""Replicates batched against one at a time, measured in the same process.

Times the baseline scenario for its full horizon as R = 1 models (repeated) and
as one R = 1,000 model, and prints runs per second for both and their ratio.
Run with ``make bench``. No assertion: shared machines are noisy; read the ratio.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sanctionsim.model.model import SanctionsModel
from sanctionsim.scenario import load_scenario

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"


def runs_per_second(config, *, replicates: int, repeats: int) -> float:
    """Best-of-``repeats`` runs per second of an R-replicate model over the full horizon."""
    best = float("inf")
    for i in range(repeats):
        start = time.perf_counter()
        model = SanctionsModel(config=config, seed=i, replicates=range(replicates))
        model.run()
        model.recorder.metrics_frame()
        best = min(best, time.perf_counter() - start)
    return replicates / best


def main() -> None:
    """Print the benchmark table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    config = load_scenario(BASELINE).config
    single = runs_per_second(config, replicates=1, repeats=max(10, args.repeats))
    batch = runs_per_second(config, replicates=args.replicates, repeats=args.repeats)
    print(f"baseline, {config.months} months")
    print(f"R = 1:      {single:10.1f} runs/s")
    print(f"R = {args.replicates}:  {batch:10.1f} runs/s")
    print(f"ratio:      {batch / single:10.1f}x")


if __name__ == "__main__":
    main()
