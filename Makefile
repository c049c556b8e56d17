# Apoyo Kiosk — the two commands a newcomer needs are `make run` and `make test`.
# Every target sets up what it needs (a .venv, and Debian packages when running as root), idempotently.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.setup-stamp
BENCH_STAMP := $(VENV)/.bench-stamp
MODELS_STAMP := $(VENV)/.models-stamp
DATA_DIR ?= $(CURDIR)/var
# Debian packages the kiosk and its tests use: OCR-B for the MRZ on synthetic cards, DejaVu for the UI,
# espeak-ng for optional voice guidance; the typefaces the varied synthetic cards print their fields in
# (kiosk/synth/varied/typefaces.py).
APT_RUNTIME := fonts-ocr-b fonts-dejavu-core espeak-ng fonts-dejavu-extra fonts-liberation fonts-freefont-ttf \
	fonts-noto-core
APT_BENCH := tesseract-ocr
# On a Raspberry Pi the camera stack comes from Raspberry Pi OS (never pip), and the venv must see it.
IS_PI := $(shell grep -qs "Raspberry Pi" /proc/device-tree/model && echo yes)
ifeq ($(IS_PI),yes)
APT_RUNTIME += python3-picamera2
VENV_FLAGS := --system-site-packages
endif

.PHONY: help setup run test lint demo bench models clean distclean

help:
	@echo "make run    - set up and start the kiosk (simulated camera) plus the admin page"
	@echo "make test   - set up, lint and run every test"
	@echo "make demo   - play one scripted citizen session headless, screenshots in out/demo"
	@echo "make bench  - run the benchmarks, results in bench/results/*.json"
	@echo "make models - rebuild the TFLite models from their sources (needs TensorFlow; slow)"
	@echo "make lint   - ruff"

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/apt-ensure.sh
	@bash scripts/apt-ensure.sh $(APT_RUNTIME)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV_FLAGS) $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

run: setup
	$(PY) -m kiosk run --dev --data-dir $(DATA_DIR)

test: setup lint
	$(PY) -m pytest -q

lint: setup
	$(PY) -m ruff check kiosk web_admin tests bench

demo: setup
	$(PY) -m kiosk demo --headless --out out/demo --data-dir $(DATA_DIR)/demo

$(BENCH_STAMP): $(STAMP)
	@bash scripts/apt-ensure.sh $(APT_BENCH)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	@touch $@

bench: $(BENCH_STAMP)
	@mkdir -p bench/results
	@set -e; for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b; done
	@echo "results in bench/results/"

$(MODELS_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,models]'
	@touch $@

models: $(MODELS_STAMP)
	$(PY) -m models.build

clean:
	rm -rf .pytest_cache .ruff_cache out
	find . -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) var
