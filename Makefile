# Apoyo Kiosk — the two commands a newcomer needs are `make run` and `make test`.
# Every target sets up what it needs (a .venv, and Debian packages when running as root), idempotently.
# Python packages come only from the hash-pinned locks in locks/ (`make lock` regenerates them; see README).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.setup-stamp
BENCH_STAMP := $(VENV)/.bench-stamp
MODELS_VENV := .venv-models
MODELS_STAMP := $(MODELS_VENV)/.models-stamp
DATA_DIR ?= $(CURDIR)/var
# pytest workers for `make test` (pytest-xdist); PYTEST_WORKERS=0 runs the suite in one process.
PYTEST_WORKERS ?= 2
# Debian packages the kiosk and its tests use: OCR-B for the MRZ on synthetic cards, DejaVu for the UI,
# espeak-ng for optional voice guidance; the typefaces the varied synthetic cards print their fields in
# (kiosk/dev/synth/varied/typefaces.py).
APT_RUNTIME := fonts-ocr-b fonts-dejavu-core espeak-ng fonts-dejavu-extra fonts-liberation fonts-freefont-ttf \
	fonts-noto-core
APT_BENCH := tesseract-ocr
# Central's tests and benchmark start a throwaway PostgreSQL server from Debian's binaries.
APT_CENTRAL := postgresql

# ---- Locks: which lock covers which extras of pyproject.toml ------------------------------------------------
# Every lock holds the base dependencies of pyproject.toml plus the extras listed here, exact versions and
# sha256 hashes, resolved by uv for Python 3.11 and one platform, wheels only where the platform is a device.
#   locks/dev-x86_64.txt    base + DEV_EXTRAS     x86_64 development and CI: `make setup`, `make test`, `make run`
#                                                 (and the central server's extra)
#   locks/pi-aarch64.txt    base + PI_EXTRAS      Raspberry Pi OS Bookworm (aarch64, glibc 2.36), wheels only,
#                                                 with locks/pi.in: numpy = Debian's python3-numpy, OpenCV for it
#   locks/bench-x86_64.txt  base + BENCH_EXTRAS   `make bench` (into .venv); shared versions = the dev lock's
#   locks/models-x86_64.txt base + MODELS_EXTRAS  `make models` (TensorFlow, own venv .venv-models); ditto
#   locks/tools.txt         locks/tools.in        uv itself, installed into .venv-tools/ by `make lock`
# locks/build.in (setuptools, wheel: the build backend) is in every lock but tools.txt, locks/constraints.in
# constrains every lock (each line says why).
# A new extra (say `central`) goes into the lists of the locks that need it; a new lock is one more
# $(call compile_lock,...) line in `lock` below plus its file in tests/test_locks.py's expectations.
DEV_EXTRAS := kiosk dev central
PI_EXTRAS := kiosk dev
BENCH_EXTRAS := kiosk dev bench
MODELS_EXTRAS := kiosk dev models
PY_VERSION := 3.11
X86_PLATFORM := x86_64-manylinux_2_36
PI_PLATFORM := aarch64-manylinux_2_36

TOOLS_VENV := .venv-tools
UV := $(TOOLS_VENV)/bin/uv

# The lock for the machine we run on; on a Raspberry Pi the camera stack comes from Raspberry Pi OS (never
# pip) and the venv must see it (and Debian's numpy, which the Pi lock pins to).
ifeq ($(shell uname -m),aarch64)
LOCK := locks/pi-aarch64.txt
else
LOCK := locks/dev-x86_64.txt
endif
IS_PI := $(shell grep -qs "Raspberry Pi" /proc/device-tree/model && echo yes)
ifeq ($(IS_PI),yes)
APT_RUNTIME += python3-picamera2 python3-numpy
VENV_FLAGS := --system-site-packages
endif

.PHONY: central help setup run test lint typecheck demo bench models lock lock-upgrade prove-pi-lock clean distclean

help:
	@echo "make run     - set up and start the kiosk (simulated camera; the admin page comes with its own issue)"
	@echo "make central - a DEVELOPMENT central (generated keys, CA, processes, synthetic list) on https://127.0.0.1:8444"
	@echo "make test    - set up, lint and run every test"
	@echo "make demo    - play one scripted citizen session headless, screenshots in out/demo"
	@echo "make bench   - run the benchmarks, results in bench/results/*.json"
	@echo "make models  - rebuild the TFLite models from their sources (needs TensorFlow; slow)"
	@echo "make lint    - ruff"
	@echo "make typecheck - mypy --strict on the pure packages (flow, credential, apoyo_protocol)"
	@echo "make lock    - regenerate locks/*.txt from pyproject.toml (keeps current pins where they still fit)"
	@echo "make lock-upgrade - the same, but every package moves to the newest version allowed"
	@echo "make prove-pi-lock - check the Pi lock: aarch64 wheels for all, Debian's numpy kept (emulated arm64)"

setup: $(STAMP)

# The venv is made anew whenever the lock (or pyproject.toml) changes, so it holds exactly the lock: no
# package a lock no longer names survives an update.
$(STAMP): $(LOCK) pyproject.toml scripts/apt-ensure.sh
	@bash scripts/apt-ensure.sh $(APT_RUNTIME) $(APT_CENTRAL)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { \
	    echo "setup: the locks are for Python 3.11; '$(PYTHON)' is $$($(PYTHON) -V 2>&1)." >&2; \
	    echo "setup: run 'make PYTHON=python3.11 setup' (or install python3.11)" >&2; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV_FLAGS) $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

run: setup
	$(PY) -m kiosk run --dev --data-dir $(DATA_DIR)

test: setup lint typecheck
	$(PY) -m pytest -q $(if $(filter-out 0,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS))

lint: setup
	$(PY) -m ruff check apoyo_protocol kiosk web_admin central tests bench models

# mypy --strict on the packages listed in pyproject.toml's [tool.mypy] files (the pure ones).
typecheck: setup
	$(PY) -m mypy

demo: setup
	$(PY) -m kiosk demo --headless --out out/demo --data-dir $(DATA_DIR)/demo

# The bench lock is the dev lock plus the bench extras at the same shared versions, so it is added to .venv.
$(BENCH_STAMP): $(STAMP) locks/bench-x86_64.txt
	@bash scripts/apt-ensure.sh $(APT_BENCH)
	$(PY) -m pip install --quiet --require-hashes --no-deps --no-build-isolation -r locks/bench-x86_64.txt
	@touch $@

bench: $(BENCH_STAMP)
	@mkdir -p bench/results
	@set -e; for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b; done
	@echo "results in bench/results/"

# TensorFlow brings its own world (keras, h5py, grpc, ...): a venv of its own keeps it out of the test venv.
$(MODELS_STAMP): locks/models-x86_64.txt pyproject.toml
	rm -rf $(MODELS_VENV)
	$(PYTHON) -m venv $(MODELS_VENV)
	$(MODELS_VENV)/bin/python -m pip install --quiet --require-hashes --no-deps -r locks/models-x86_64.txt
	$(MODELS_VENV)/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

models: $(MODELS_STAMP)
	$(MODELS_VENV)/bin/python -m models.build

# ---- Making the locks ---------------------------------------------------------------------------------------
$(UV): locks/tools.txt
	rm -rf $(TOOLS_VENV)
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/python -m pip install --quiet --require-hashes --no-deps -r locks/tools.txt
	@touch $@

# uv reads PyPI (not this machine's pip mirrors) and the system's CA store; an existing lock's pins are kept
# where they still satisfy pyproject.toml, so `make lock` after adding one dependency changes only that.
UV_ENV := UV_NATIVE_TLS=1 UV_NO_CONFIG=1
# $(1) lock file, $(2) extras, $(3) uv platform, $(4) more uv flags. The header line names extras and platform
# (tests/test_locks.py reads it).
# A lock whose content did not change keeps its mtime, so `make setup` does not reinstall for nothing.
define compile_lock
	@if [ -f $(1) ]; then cp $(1) $(1).new; fi
	$(UV_ENV) $(UV) pip compile --quiet --generate-hashes --python-version $(PY_VERSION) --python-platform $(3) \
	    --custom-compile-command 'make lock  # extras: $(strip $(2)); platform: $(3); python: $(PY_VERSION)' \
	    $(foreach e,$(2),--extra $(e)) -c locks/constraints.in $(4) $(LOCK_FLAGS) pyproject.toml locks/build.in \
	    -o $(1).new || { rm -f $(1).new; exit 1; }
	@if cmp -s $(1).new $(1); then rm $(1).new; else mv $(1).new $(1); echo "  $(1) changed"; fi
endef

lock: $(UV)
	$(call compile_lock,locks/dev-x86_64.txt,$(DEV_EXTRAS),$(X86_PLATFORM),--only-binary :all:)
	$(call compile_lock,locks/pi-aarch64.txt,$(PI_EXTRAS),$(PI_PLATFORM),--only-binary :all: -c locks/pi.in)
	$(call compile_lock,locks/bench-x86_64.txt,$(BENCH_EXTRAS),$(X86_PLATFORM),-c locks/dev-x86_64.txt)
	$(call compile_lock,locks/models-x86_64.txt,$(MODELS_EXTRAS),$(X86_PLATFORM),--only-binary :all: -c locks/dev-x86_64.txt)
	@cp locks/tools.txt locks/tools.txt.new
	$(UV_ENV) $(UV) pip compile --quiet --generate-hashes --python-version $(PY_VERSION) \
	    --custom-compile-command 'make lock' $(LOCK_FLAGS) locks/tools.in -o locks/tools.txt.new
	@if cmp -s locks/tools.txt.new locks/tools.txt; then rm locks/tools.txt.new; \
	    else mv locks/tools.txt.new locks/tools.txt; echo "  locks/tools.txt changed"; fi
	@echo "locks regenerated; commit locks/ with the pyproject.toml change (make setup reinstalls)"

lock-upgrade:
	$(MAKE) lock LOCK_FLAGS=--upgrade

# Downloads the Pi lock's aarch64 wheels and installs them in an emulated Debian Bookworm arm64 root on top
# of Debian's python3-numpy (root, qemu-user-static, debootstrap; a few minutes). Not part of `make test`.
prove-pi-lock:
	bash scripts/prove-pi-lock.sh

central: setup
	$(PY) -m central dev-init --data-dir $(DATA_DIR)/central
	$(PY) -m central serve --data-dir $(DATA_DIR)/central

clean:
	rm -rf .pytest_cache .ruff_cache out
	find . -name __pycache__ -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) $(MODELS_VENV) $(TOOLS_VENV) var
