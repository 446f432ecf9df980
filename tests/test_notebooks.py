"""The notebooks in docs/notebooks/ run end to end in a Jupyter kernel (nbclient, ipykernel).

The kernel is this test run's Python, started from an empty temporary folder: the notebook finds
the scenarios it names in the package, not in the checkout.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "docs" / "notebooks").glob("*.ipynb"))


def kernel_here(folder: Path) -> str:
    """A kernelspec running this interpreter (not whatever `python3` Jupyter finds first)."""
    spec = folder / "kernels" / "sanctionsim-test"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "test", "language": "python"})
    )
    return "sanctionsim-test"


def outputs(nb: nbformat.NotebookNode) -> list[dict]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_end_to_end(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    work = tmp_path / "work"
    work.mkdir()
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, kernel_name=kernel_here(tmp_path), timeout=600, resources={"metadata": {"path": str(work)}}
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    outs = outputs(nb)
    errors = [o for o in outs if o.get("output_type") == "error"]
    assert not errors
    data = [o.get("data", {}) for o in outs]
    assert any("image/png" in d for d in data), "no inline figure"
    if path.stem == "quickstart":
        html = [d["text/html"] for d in data if "text/html" in d]
        assert any("sanctionsim results: baseline" in h for h in html), "no HTML summary of the results"
        text = "\n".join(d.get("text/plain", "") for d in data) + "".join(
            o.get("text", "") for o in outs if o.get("output_type") == "stream"
        )
        assert "['baseline', 'policies/full-pressure']" in text, "comparison names changed"
        assert not list(work.iterdir()), "the notebook wrote files into its folder"
        widgets = [d for d in data if "application/vnd.jupyter.widget-view+json" in d]
        assert widgets, "no progress bar (tqdm.auto widget) in the notebook"


def test_there_is_a_notebook() -> None:
    assert [p.stem for p in NOTEBOOKS] == ["quickstart"]
