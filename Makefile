# One-command setup: every target creates what it needs from nothing (virtual environments, pinned dependencies).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Lambda runs Python 3.12; so do we, and nothing else works (the pinned numpy needs 3.12). pyenv machines need 3.12
# in PYENV_VERSION (harmless elsewhere). scripts/fresh-venv fails at once, saying what to install, on another version.
export PYENV_VERSION ?= 3.12.1
PYTHON ?= $(shell command -v python3.12 >/dev/null 2>&1 && echo python3.12 || echo python3)
# Fake credentials and region: nothing here talks to AWS, and nothing may by accident.
export AWS_DEFAULT_REGION ?= us-east-1
export AWS_ACCESS_KEY_ID ?= testing
export AWS_SECRET_ACCESS_KEY ?= testing
export SAM_CLI_TELEMETRY := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1

VENV := .venv
BIN := $(VENV)/bin
SAM_VENV := .venv-tools/sam
CHECKOV_VENV := .venv-tools/checkov
PIPELINES_VENV := .venv-tools/pipelines
PY_SRC := layers/mlops_core/mlops_core mlopsctl functions pipelines bench tests conftest.py
FUNCTIONS := $(wildcard functions/*/app.py)
ASL := $(wildcard statemachines/*.asl.json)

.PHONY: help setup test lint typecheck iac unit iam iam-check build demo bench clean pipeline pipeline-check

help:
	@echo "make demo [EXAMPLE=text|tabular]  run the whole lifecycle locally (no AWS, no Docker)"
	@echo "make test   lint, type-check, check the template and run every test"
	@echo "make build  sam build (offline, no Docker)"
	@echo "make pipeline [MODEL=name]  regenerate pipelines/generated/*.json and template.yaml's pipeline (SDK, offline)"
	@echo "make bench  benchmarks: bench/RESULTS.md and bench/results/*.json"
	@echo "make env-json STACK=NAME [REGION=..] [OUT=env.json]  env.json for sam local invoke --env-vars (reads AWS)"
	@echo "make deploy ENV=dev|staging|prod   sam build + sam deploy, upload the step code, print the outputs (AWS)"
	@echo "make destroy ENV=dev|staging|prod [YES=1]  delete run-time resources (endpoint...), then the stack (AWS)"
	@echo "make iam    the test suite with IAM enforced, then the IAM report (.iam-usage/iam-report.md)"
	@echo "make clean  remove virtual environments and build output"

$(BIN)/.stamp: requirements/dev.txt requirements/dev-nodeps.txt pyproject.toml
	@scripts/fresh-venv $(VENV) $(PYTHON)
	@echo "installing the pinned packages into $(VENV) (the first run takes a few minutes)"
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -r requirements/dev-nodeps.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e . 2>/dev/null || $(BIN)/python -m pip install --quiet --no-deps -e .
	@rm -f $(VENV)/.building
	@touch $@

$(SAM_VENV)/.stamp: requirements/sam.txt
	@scripts/fresh-venv $(SAM_VENV) $(PYTHON)
	@echo "installing the pinned packages into $(SAM_VENV) (the first run takes a few minutes)"
	$(SAM_VENV)/bin/python -m pip install --quiet -r requirements/sam.txt
	@rm -f $(@D)/.building
	@touch $@

$(CHECKOV_VENV)/.stamp: requirements/checkov.txt
	@scripts/fresh-venv $(CHECKOV_VENV) $(PYTHON)
	@echo "installing the pinned packages into $(CHECKOV_VENV) (the first run takes a few minutes)"
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r requirements/checkov.txt
	@rm -f $(@D)/.building
	@touch $@

# The SageMaker SDK (~1 GB) only generates the pipeline definition; it never enters .venv, a function or a layer.
$(PIPELINES_VENV)/.stamp: requirements/pipelines.txt
	@scripts/fresh-venv $(PIPELINES_VENV) $(PYTHON)
	@echo "installing the pinned packages into $(PIPELINES_VENV) (the first run takes a few minutes)"
	$(PIPELINES_VENV)/bin/python -m pip install --quiet --upgrade pip==25.3
	$(PIPELINES_VENV)/bin/python -m pip install --quiet -r requirements/pipelines.txt
	@rm -f $(@D)/.building
	@touch $@

setup: $(BIN)/.stamp $(SAM_VENV)/.stamp $(CHECKOV_VENV)/.stamp

lint: $(BIN)/.stamp
	$(BIN)/ruff check $(PY_SRC)
	$(BIN)/ruff format --check $(PY_SRC)

# mypy per function folder: every handler module is called app.py, as SAM expects.
typecheck: $(BIN)/.stamp
	$(BIN)/mypy layers/mlops_core/mlops_core mlopsctl bench
	$(BIN)/mypy pipelines
	@for f in $(FUNCTIONS); do echo "mypy $$f"; $(BIN)/mypy "$$f" || exit 1; done

iac: $(BIN)/.stamp $(SAM_VENV)/.stamp $(CHECKOV_VENV)/.stamp
	$(BIN)/cfn-lint --include-checks I -- template.yaml
	$(SAM_VENV)/bin/sam validate --lint --template template.yaml
	$(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml --quiet --compact --skip-download --framework cloudformation -f template.yaml
	@for f in $(ASL); do echo "statelint $$f"; $(BIN)/statelint --ignore=URI "$$f" || exit 1; done

# The suite (tests/, and the docstring examples of the packages: --doctest-modules, pyproject.toml and conftest.py)
# records which IAM statement allowed which test's calls; iam-check fails on a statement no test used
# (unless the template says why it is kept) and writes the report, .iam-usage/iam-report.md.
# --dist worksteal: xdist's default (load) hands out consecutive chunks, and one worker got all of tests/flows (the
# slow third) while the other finished early and idled; an idle worker now takes half of the busy one's queue.
unit: $(BIN)/.stamp
	rm -rf .iam-usage
	MLOPS_IAM_USAGE_DIR=.iam-usage $(BIN)/python -m pytest -n 2 --dist worksteal

iam-check: $(BIN)/.stamp
	$(BIN)/python -m mlopsctl.local.iam.report .iam-usage

iam: unit iam-check

# Everything derived from pipelines/ is generated offline with the SDK and committed: every model's definition
# (pipelines/generated/<model>.json) and template.yaml's TrainingPipeline block, for MODEL (default: the model the
# template holds now). pipeline-check fails when any of them is stale.
pipeline: $(PIPELINES_VENV)/.stamp
	$(PIPELINES_VENV)/bin/python -m pipelines.build $(if $(MODEL),--model "$(MODEL)")

pipeline-check: $(PIPELINES_VENV)/.stamp
	$(PIPELINES_VENV)/bin/python -m pipelines.build --check
	MLOPS_SDK_TESTS=1 $(PIPELINES_VENV)/bin/python -m pytest -p no:cacheprovider tests/pipelines/sdk

# The checks other than pytest are independent single-process tools (~28 s of one core): a sub-make runs them two at
# a time (--output-sync: each target's output in one piece), then the suite (which keeps both cores busy on its own),
# then the IAM report. Any failure fails `make test`: a sub-make exits non-zero when one of its targets fails (and
# starts no new one), and the recipe stops at the first failing line. The venvs are built first, one at a time.
CHECKS := lint typecheck iac pipeline-check

test: $(BIN)/.stamp $(SAM_VENV)/.stamp $(CHECKOV_VENV)/.stamp $(PIPELINES_VENV)/.stamp
	$(MAKE) --no-print-directory -j2 --output-sync=target $(CHECKS)
	$(MAKE) --no-print-directory unit iam-check

build: $(SAM_VENV)/.stamp
	PATH="$(abspath $(BIN)):$$PATH" $(SAM_VENV)/bin/sam build --template template.yaml

# The main job: the whole lifecycle on this machine (moto; no AWS account, no Docker). Exit 0 only when every
# scenario ends in its expected state. `python -m` keeps the repository (pipelines/) importable whatever the install.
# EXAMPLE=tabular: the same lifecycle with the tabular CSV model (pipelines/models/tabular).
demo: $(BIN)/.stamp
	$(BIN)/python -m mlopsctl.cli demo $(if $(EXAMPLE),--example "$(EXAMPLE)")

# env.json for `sam local invoke --env-vars`, read from a deployed stack: this target talks to AWS, with your
# credentials and Region (the fake ones exported above are dropped unless they came from your environment).
.PHONY: env-json
OUT ?= env.json
AWS_YOURS := env $(if $(filter file,$(origin AWS_ACCESS_KEY_ID)),-u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY) \
	$(if $(filter file,$(origin AWS_DEFAULT_REGION)),-u AWS_DEFAULT_REGION)
env-json: $(BIN)/.stamp
	@test -n "$(STACK)" || { echo "usage: make env-json STACK=NAME [REGION=...] [OUT=env.json]" >&2; exit 2; }
	$(AWS_YOURS) $(BIN)/python -m mlopsctl.envjson --stack "$(STACK)" --out "$(OUT)" $(if $(REGION),--region "$(REGION)")

# Deploy and tear down a samconfig.toml environment: these talk to AWS with your credentials and Region (as env-json).
# deploy: sam build, sam deploy --config-env ENV, the step code to the artifacts bucket, the stack's outputs.
# destroy: prints what goes (the endpoint, its configs and models... then the stack) and asks, unless YES=1.
.PHONY: deploy destroy
deploy: $(BIN)/.stamp $(SAM_VENV)/.stamp
	@test -n "$(ENV)" || { echo "usage: make deploy ENV=dev|staging|prod" >&2; exit 2; }
	PATH="$(abspath $(BIN)):$$PATH" $(AWS_YOURS) $(BIN)/python -m mlopsctl.stack deploy --env "$(ENV)" --sam "$(SAM_VENV)/bin/sam"

destroy: $(BIN)/.stamp
	@test -n "$(ENV)" || { echo "usage: make destroy ENV=dev|staging|prod [YES=1]" >&2; exit 2; }
	$(AWS_YOURS) $(BIN)/python -m mlopsctl.stack destroy --env "$(ENV)" $(if $(filter 1,$(YES)),--yes)

# Benchmarks: JSON in bench/results/ (git-ignored) and the table in bench/RESULTS.md.
bench: $(BIN)/.stamp
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .venv-tools .aws-sam .pytest_cache .mypy_cache .ruff_cache .iam-usage
