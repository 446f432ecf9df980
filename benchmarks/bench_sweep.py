"""A Sobol design on sanctionsim's sweep against the same design run one experiment at a time by EMA.

Builds a Sobol design of about 1,000 points (128 base points over the six parameters of
docs/exploring.md's worked example: 1,024 points) and times, in one run of this script:

1. ``sanctionsim.sweep`` of the design: replicates vectorised inside batches, batches in a local
   process pool (and, for reference, on one worker);
2. EMA Workbench's ``perform_experiments`` on the same points (as EMA ``Sample``s), with the model
   wrapped as a callable that simulates one experiment (a one-replicate batch on the same random
   stream), evaluated one experiment at a time (EMA's default ``SequentialEvaluator``).

Both compute the worked example's outcome per point (shells delivered in mid-2025..mid-2026 over
the year before the summit) and the script checks that they agree exactly, so the two sides do the
same work. Run with ``make bench-sweep``. No assertion on time: shared machines are noisy.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import time
from types import ModuleType

os.environ.setdefault("TQDM_DISABLE", "1")  # EMA's progress bar: one line per experiment otherwise
import warnings
from pathlib import Path

import numpy as np

import sanctionsim as ss
from sanctionsim.analysis.aggregates import Quantity
from sanctionsim.experiments.ensemble import run_batch
from sanctionsim.experiments.spec import run_spec

ROOT = Path(__file__).resolve().parents[1]


def _example() -> ModuleType:
    """docs/exploring_example.py: the worked example's scenario, parameters and outcome."""
    spec = importlib.util.spec_from_file_location("exploring_example", ROOT / "docs" / "exploring_example.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EXAMPLE = _example()
SCENARIO, OUTCOME = EXAMPLE.SCENARIO, EXAMPLE.RATIO
#: The worked example's enforcement assumptions, with three of the baseline's uncertainties.
PARAMS = [
    "war.fire_rate",
    "actors.PRK.goods.shells.stock",
    "actors.PRK.goods.shells.production",
    *EXAMPLE.PARAMS,
]


def main() -> None:
    """Print the benchmark table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=128, help="Sobol base points (a power of 2)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench import Model, RealParameter, Sample, ScalarOutcome, perform_experiments

    cores = os.cpu_count() or 1
    ss.sweep(SCENARIO, PARAMS, design="sobol", samples=1, seed=args.seed, workers=1)  # imports, caches
    t0 = time.perf_counter()
    res = ss.sweep(SCENARIO, PARAMS, design="sobol", samples=args.samples, seed=args.seed)
    t_sweep = time.perf_counter() - t0
    t0 = time.perf_counter()
    ss.sweep(SCENARIO, PARAMS, design="sobol", samples=args.samples, seed=args.seed, workers=1)
    t_one_worker = time.perf_counter() - t0
    ours = ss.outcomes(res, [OUTCOME])[OUTCOME].to_numpy()
    design = res.manifest["design"]
    paths = [p["path"] for p in design["parameters"]]
    points = res.joined().groupby("point").head(1)[paths].to_numpy()

    spec = run_spec(SCENARIO, seed=args.seed)
    config = spec.config.model_dump(mode="json")
    quantity = Quantity(expr=OUTCOME)
    names = [f"x{i}" for i in range(len(paths))]  # EMA wants identifiers; x_i stands for paths[i]

    def one_experiment(**x: float) -> dict[str, float]:
        """The model as EMA sees it: one experiment, one replicate on stream 0."""
        values = {path: [x[name]] for name, path in zip(names, paths, strict=True)}
        metrics = run_batch(config, args.seed, [0], streams=[0], design=values)[0]
        return {"ratio": float(quantity.evaluate(metrics)[0])}

    model = Model("sanctionsim", function=one_experiment)
    model.uncertainties = [
        RealParameter(name, float(points[:, j].min()), float(points[:, j].max()))
        for j, name in enumerate(names)
    ]
    model.outcomes = [ScalarOutcome("ratio")]
    samples = [
        Sample(f"p{i}", **dict(zip(names, map(float, row), strict=True))) for i, row in enumerate(points)
    ]
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, outcomes = perform_experiments(model, scenarios=samples)
    t_ema = time.perf_counter() - t0
    same = np.array_equal(outcomes["ratio"], ours, equal_nan=True)

    print(f"Sobol design: {len(points)} points x 1 replicate, {len(paths)} parameters, {spec.months} months")
    print(f"sanctionsim sweep ({cores} workers):      {t_sweep:8.2f} s")
    print(f"sanctionsim sweep (1 worker):       {t_one_worker:8.2f} s")
    print(f"EMA perform_experiments, one at a time: {t_ema:8.2f} s")
    print(f"ratio (EMA / sweep):                {t_ema / t_sweep:8.1f}x")
    print(f"ratio on one core (EMA / sweep):    {t_ema / t_one_worker:8.1f}x")
    print(f"same outcomes:                      {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
