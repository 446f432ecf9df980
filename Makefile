# sanctionsim: bootstrap, tests, lint and demo.
#
#   make test      create .venv if needed, then run the test suite
#   make demo      run the baseline ensemble and plot it into results/demo
#   make lint      ruff check + ruff format --check + mypy on the core
#   make format    ruff format + ruff check --fix
#   make bench     speed and scale: batching, parallel speed-up, memory of 100,000 runs
#   make bench-sweep  a 1,024-point Sobol design: sanctionsim sweep against EMA one experiment at a time
#   make explore   regenerate docs/exploring.md's worked example (sweep, sensitivity, PRIM) and figures
#   make docs      regenerate docs/parameters.md and docs/metrics.md from the code
#   make browser   install Debian chromium + chromium-driver if missing (root only, no upgrades)
#   make clean     remove caches and build files (keeps .venv and results/)
#
# The venv needs Python >= 3.12 (Mesa 3.5). It is found by itself: python3.13,
# python3.12, python3 on PATH, then pyenv's versions. Override with
# `make PYTHON=/path/to/python3.12`.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Only `make PYTHON=...` on the command line chooses the interpreter; a PYTHON in the environment
# is ignored (CI images often export one that is too old).
PYTHON :=
LINT_PATHS := src tests benchmarks docs/exploring_example.py
# mypy covers the core: the model, its inputs and the ensemble runner
TYPED_PATHS := src/sanctionsim/model src/sanctionsim/goods.py src/sanctionsim/metrics.py \
  src/sanctionsim/experiments/ensemble.py src/sanctionsim/analysis/summary.py src/sanctionsim/analysis/calibration.py
DEMO_OUT := results/demo

# Exit status 0 if the interpreter is Python >= 3.12.
PY_OK := import sys; sys.exit(sys.version_info < (3, 12))

# Print the first Python >= 3.12: on PATH, then under pyenv (its root, or ~/.pyenv if pyenv is not on PATH).
define FIND_PYTHON
for cand in python3.13 python3.12 python3; do \
  if command -v "$$cand" >/dev/null 2>&1 && "$$cand" -c '$(PY_OK)' >/dev/null 2>&1; then \
    command -v "$$cand"; exit 0; \
  fi; \
done; \
if command -v pyenv >/dev/null 2>&1; then root="$$(pyenv root)"; else root="$${PYENV_ROOT:-$$HOME/.pyenv}"; fi; \
for cand in $$(ls -d "$$root"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V); do \
  if "$$cand" -c '$(PY_OK)' >/dev/null 2>&1; then echo "$$cand"; exit 0; fi; \
done; \
exit 1
endef

.PHONY: help venv browser demo test lint format bench bench-sweep explore clean distclean which-python

help:
	@sed -n 's/^#   make /  make /p' $(MAKEFILE_LIST)

venv: $(STAMP)

# Show the interpreter a fresh venv would be made with.
which-python:
	@py="$(PYTHON)"; if [ -z "$$py" ]; then py="$$( $(FIND_PYTHON) )" || { echo "none found" >&2; exit 1; }; fi; echo "$$py"

# (Re)install when pyproject.toml changes; create .venv only when it is missing or broken.
$(STAMP): pyproject.toml
	@if ! { [ -x $(BIN)/python ] && $(BIN)/python -c '$(PY_OK)' >/dev/null 2>&1; }; then \
	  py="$(PYTHON)"; \
	  if [ -z "$$py" ]; then py="$$( $(FIND_PYTHON) )" || py=""; fi; \
	  if [ -z "$$py" ] || ! "$$py" -c '$(PY_OK)' >/dev/null 2>&1; then \
	    echo "sanctionsim needs Python >= 3.12; none found on PATH or under pyenv." \
	         "Install one, or run make PYTHON=/path/to/python3.12" >&2; \
	    [ -n "$(PYTHON)" ] && echo "(PYTHON=$(PYTHON) is not a Python >= 3.12)" >&2; \
	    exit 1; \
	  fi; \
	  echo "Creating $(VENV) with $$py ($$("$$py" -c 'import platform; print(platform.python_version())'))"; \
	  rm -rf $(VENV); \
	  "$$py" -m venv $(VENV); \
	fi
	PIP_NO_INPUT=1 $(BIN)/python -m pip install --disable-pip-version-check -q -e ".[dev,dashboard]"
	@touch $(STAMP)

# Browser tests (the HTML report, SolaraViz) run in headless Chromium; `test` depends on this target.
# It never upgrades a package: see scripts/browser.sh (installs only as root, with --no-upgrade,
# when nothing installed would change; otherwise it says why and the browser tests skip).
browser:
	@sh scripts/browser.sh

# The demo rewrites its own folder: results are never overwritten, so the old one goes first.
demo: venv
	rm -rf $(DEMO_OUT)
	$(BIN)/sanctionsim run scenarios/baseline.yaml --runs 200 --seed 42 --out $(DEMO_OUT)
	$(BIN)/sanctionsim plot $(DEMO_OUT)

test: venv browser
	$(BIN)/python -m pytest -q

lint: venv
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy $(TYPED_PATHS)

format: venv
	$(BIN)/ruff format $(LINT_PATHS)
	$(BIN)/ruff check --fix $(LINT_PATHS)

bench: venv
	$(BIN)/python benchmarks/bench_scale.py

bench-sweep: venv
	$(BIN)/python benchmarks/bench_sweep.py

explore: venv
	$(BIN)/python docs/exploring_example.py

#   make predictions  score every analyst claim in scenarios/ into docs/predictions.md
.PHONY: predictions
predictions: venv
	$(BIN)/sanctionsim predictions --runs 100 --seed 42 -o docs/predictions.md

# Reference docs generated from the schema, the metric registry and the goods (tests/test_docs.py).
.PHONY: docs
docs: venv
	$(BIN)/python -m sanctionsim.reference

clean:
	rm -rf build dist .pytest_cache .ruff_cache .mypy_cache .hypothesis src/*.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
