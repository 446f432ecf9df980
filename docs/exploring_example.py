"""Regenerate the worked example of docs/exploring.md: its sweep, figures and numbers (``make explore``).

Which uncertainties decide whether ``policies/sanctions-enforced`` halves DPRK shell deliveries to
Russia? The script sweeps the policy over every uncertainty of the baseline and three enforcement
assumptions with a Sobol design, ranks them by Sobol indices of the shell ratio and by extra-trees
scores of the claim, finds by PRIM where the claim holds, writes the figures into docs/figures/ and
the numbers between the ``explore:begin`` and ``explore:end`` markers of docs/exploring.md. Nothing
in the text outside the markers is generated, so describe results only inside them.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import sanctionsim as ss
from sanctionsim.atomic import write_text
from sanctionsim.plotting.explore import plot_discovery, plot_sensitivity

DOCS = Path(__file__).resolve().parent
DOC = DOCS / "exploring.md"
FIGURES = DOCS / "figures"
SCENARIO = "policies/sanctions-enforced"
CLAIM = f"{SCENARIO}:shells_halved"
#: Three enforcement assumptions, on a log scale around the baseline's values; the sweep adds every
#: uncertainty of the scenario over its own range.
PARAMS = [
    "routes.covert_direct.kappa=0.05:0.45:log",
    "routes.rail.kappa=0.07:0.6:log",
    "enforcement.effort_per_usd=5e-9:8e-8:log",
]
RATIO = 'mean(shells_prk_to_rus, "2025-07", "2026-06") / mean(shells_prk_to_rus, "2023-08", "2024-06")'
BEGIN, END = "<!-- explore:begin -->", "<!-- explore:end -->"


#: Rows of each ranked table shown (the figures show every parameter).
TOP = 10
#: Parameters PRIM boxes: the highest extra-trees scores of the claim.
BOXED = 5


def _table(frame, columns: list[str]) -> str:
    head = "| " + " | ".join(["parameter", *columns]) + " |"
    rule = "|" + "---|" * (len(columns) + 1)
    rows = [
        "| `" + str(r["parameter"]) + "` | " + " | ".join(f"{float(r[c]):.3g}" for c in columns) + " |"
        for r in frame.head(TOP).to_dict(orient="records")
    ]
    more = f"\n\n({len(frame) - TOP} more in the figure.)" if len(frame) > TOP else ""
    return "\n".join([head, rule, *rows]) + more


def _limits(found: ss.analysis.discovery.Discovery) -> str:
    rows = ["| parameter | box | range sampled | quasi-p (low, high) |", "|---|---|---|---|"]
    for r in found.limits.to_dict(orient="records"):
        qp = ", ".join("–" if q != q else f"{q:.2g}" for q in (r["qp_low"], r["qp_high"]))
        box, sampled = f"{r['low']:.4g} .. {r['high']:.4g}", f"{r['min']:.4g} .. {r['max']:.4g}"
        rows.append(f"| `{r['parameter']}` | {box} | {sampled} | {qp} |")
    return "\n".join(rows)


def _choice(found: ss.analysis.discovery.Discovery) -> str:
    """How the box was chosen, in words."""
    floor = found.settings["min_density"]
    if found.density >= floor:
        return f"the box with the most coverage at density ≥ {floor} is"
    return f"no box on the trajectory reaches density {floor}; the densest is"


def _reading(sobol: ss.analysis.sensitivity.Sensitivity, found: ss.analysis.discovery.Discovery) -> str:
    """One generated paragraph that says what the numbers say."""
    table = sobol.table.set_index("parameter")
    top = sobol.table.iloc[0]
    assumptions = [p.split("=")[0] for p in PARAMS]
    most = max(float(table.loc[p, "ST"]) for p in assumptions)
    box = " and ".join(
        f"{r['low']:.4g} ≤ `{r['parameter']}` ≤ {r['high']:.4g}"
        for r in found.limits.to_dict(orient="records")
    )
    return (
        f"Reading: `{top['parameter']}` decides most of whether shells fall (total index "
        f"{float(top['ST']):.2f}); none of the three enforcement assumptions has a total index above "
        f"{most:.2f}. The claim holds mostly where {box or 'anywhere (PRIM restricts nothing)'}: "
        f"in that box it holds in {found.density:.0%} of runs, and the box holds "
        f"{found.coverage:.0%} of all runs in which it holds."
    )


def main(argv: list[str] | None = None) -> None:
    """Run the example and rewrite the generated block of docs/exploring.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=256, help="Sobol base points (a power of 2)")
    parser.add_argument("--replicates", type=int, default=1)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--doc", type=Path, default=DOC, help="The Markdown file whose block to rewrite")
    parser.add_argument("--figures", type=Path, default=FIGURES, help="Folder of the figures")
    args = parser.parse_args(argv)
    doc, figures = args.doc, args.figures
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="explore-"))
    try:
        res = ss.sweep(
            SCENARIO,
            PARAMS,
            design="sobol",
            samples=args.samples,
            replicates=args.replicates,
            uncertainties=True,
            seed=args.seed,
            out=work / "sweep",
        )
        sobol = ss.sensitivity(res, RATIO)
        trees = ss.sensitivity(res, CLAIM, method="trees")
        # PRIM over the parameters the trees score highest: a box in a few dimensions, as analysts
        # read them (PRIM over all of them peels dozens of small cuts that each add little)
        boxed = list(trees.table["parameter"].head(BOXED))
        found = ss.discover(res, claim=CLAIM, parameters=boxed)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    figures.mkdir(parents=True, exist_ok=True)
    plot_sensitivity(sobol, out=figures / "exploring-sobol.png", title="Sobol indices of the shell ratio")
    plot_sensitivity(trees, out=figures / "exploring-trees.png", title=f"extra-trees scores of {CLAIM}")
    plot_discovery(found, out=figures / "exploring-prim.png", title=f"where {CLAIM} holds")
    seconds = time.perf_counter() - started
    design = res.manifest["design"]
    chosen = int(found.trajectory["box"].iloc[found.chosen])
    block = "\n".join(
        [
            BEGIN,
            f"*Generated by `make explore` (docs/exploring_example.py) with sanctionsim "
            f"{res.manifest['versions']['sanctionsim']}, git {str(res.manifest.get('git_revision'))[:10]}: "
            f"a Sobol design of {design['samples']} base points over {len(design['parameters'])} parameters "
            f"(every uncertainty of the baseline and {len(PARAMS)} enforcement assumptions), "
            f"{design['points']} points x {args.replicates} replicates = {res.manifest['runs']} runs of "
            f"{res.manifest['months']} months, seed {args.seed}, in {seconds:.0f} s.*",
            "",
            f"The claim holds in **{found.share:.0%}** of the {found.n} runs.",
            "",
            _reading(sobol, found),
            "",
            "Sobol indices of the shell ratio (mean per point over its replicates; ± is the half-width "
            f"of SALib's {sobol.conf_level:.0%} bootstrap interval):",
            "",
            _table(sobol.table, ["ST", "ST_conf", "S1", "S1_conf"]),
            "",
            "![Sobol indices](figures/exploring-sobol.png)",
            "",
            "Extra-trees feature scores of the claim itself (true or false per run):",
            "",
            _table(trees.table, ["score", "score_conf"]),
            "",
            "![Feature scores](figures/exploring-trees.png)",
            "",
            f"PRIM over the {BOXED} parameters with the highest scores: {_choice(found)} box {chosen} of "
            f"{len(found.trajectory)}, coverage **{found.coverage:.2f}**, density **{found.density:.2f}**, "
            f"holding {found.mass:.0%} of the runs.",
            "",
            _limits(found),
            "",
            "![PRIM](figures/exploring-prim.png)",
            END,
        ]
    )
    text = doc.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        sys.exit(f"{doc}: the markers {BEGIN} and {END} are missing")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    write_text(doc, head + block + tail)
    print(f"{doc}: updated ({seconds:.0f} s); figures in {figures}")


if __name__ == "__main__":
    main()
