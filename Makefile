# Total Place workbooks. `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

.PHONY: help
help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

.PHONY: install
install: $(STAMP) ## Create .venv (if missing) and install the project with its dev tools

.PHONY: reports
reports: $(STAMP) ## Run every place x theme into reports/ (HTML + JSON) and write reports/index.html
	$(BIN)/totalplace run --jobs $(JOBS)

.PHONY: chromium
chromium: ## Install Debian's chromium for the real-browser test (the test skips, saying why, if this fails)
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] && echo "" || echo "sudo -n" ); \
	  $$SUDO apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -q >/dev/null 2>&1 && $$SUDO apt-get install -y -q chromium >/dev/null 2>&1; } || \
	  echo "note: chromium could not be installed; tests/e2e/test_browser.py will skip"; }

.PHONY: test
test: $(STAMP) chromium lint ## Run the whole test suite (lint, unit, notebook contract, papermill end-to-end, nbval)
	$(BIN)/python -m pytest tests
	@# nbval runs every notebook by hand; those runs never publish, so the synthesis reads one real batch's records
	D=$$(mktemp -d) && TOTALPLACE_REPORTS_DIR=$$D $(BIN)/totalplace run --area croydon --jobs $(JOBS) && \
	  TOTALPLACE_REPORTS_DIR=$$D $(BIN)/python -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider notebooks

.PHONY: lint
lint: $(STAMP) ## ruff over the package, tests and benchmarks; the layers contract (import-linter, pyproject.toml)
	$(BIN)/ruff check totalplace_lib tests $(wildcard benchmarks)
	$(BIN)/lint-imports

.PHONY: sample-data
sample-data: $(STAMP) ## Regenerate the illustrative sample in data/sample (seeded, byte-identical)
	$(BIN)/totalplace sample-data

.PHONY: lab
lab: $(STAMP) ## Open JupyterLab on your working copies of the notebooks (lab/, git-ignored)
	$(BIN)/totalplace workspace
	$(BIN)/jupyter lab lab $$( [ "$$(id -u)" = 0 ] && echo --allow-root )  # containers run as root

.PHONY: clean
clean: ## Remove generated reports
	rm -rf reports/*/ reports/index.html
