# Every target creates the virtual environment first; torch's CPU build is installed before the
# package so pip does not fetch a multi-GB CUDA build.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install browser demo test lint format docs bench bench-smartnoise clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/synthgan demo

# The HTML report's tests open it in Debian's headless Chromium.
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: $(STAMP) browser
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The API reference, from the docstrings: build/api/index.html.
docs: $(STAMP)
	$(PY) -m pdoc --docformat numpy --output-directory build/api synthgan

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The benchmark suite needs the optional, benchmark-only reference tools (ctgan and sdv are
# BUSL-licensed and never imported by synthgan/) and smartnoise's environment (below).
# `make bench SUITE=all` runs Adult, COMPAS and the large ACS table.
SUITE ?= adult
bench: $(STAMP) bench-smartnoise
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) -m benchmarks run --suite $(SUITE)

# smartnoise-synth's MST and DPCTGAN as comparison baselines. smartnoise-synth 1.0.8 pins
# opacus<0.15, which conflicts with synthgan's Opacus, so it gets its own environment that
# benchmarks/smartnoise.py drives through a subprocess (benchmarks/smartnoise_worker.py). torch's CPU
# build goes first (opacus 0.14 accepts any torch>=1.3); `packaging` is imported by smartnoise's
# DPCTGAN but not declared by it.
SN_VENV := .venv-smartnoise
SN_STAMP := $(SN_VENV)/.installed

$(SN_STAMP):
	python3 -m venv $(SN_VENV)
	$(SN_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SN_VENV)/bin/python -m pip install --quiet torch==2.13.0
	$(SN_VENV)/bin/python -m pip install --quiet smartnoise-synth==1.0.8 pandas packaging
	touch $(SN_STAMP)

bench-smartnoise: $(SN_STAMP)

clean:
	rm -rf $(VENV) demo-output .pytest_cache .ruff_cache
