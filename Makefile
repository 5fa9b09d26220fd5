# Two commands for a fresh Linux or macOS machine with Python >= 3.11:
#   make demo   set everything up and run the demo workshop end to end
#   make test   set everything up and run the whole test suite (lint, types, tests)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench clean browser-tools

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "The kit needs Python 3.11 or newer; '$(PYTHON)' is older. Set PYTHON=python3.12, for example."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/wholecomm-kit demo --dir workshops

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Browser tests need a Chromium-family browser (Debian: apt-get install chromium), pdftoppm
# (poppler-utils) and axe-core from npm; see README "Development".
node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

browser-tools: node_modules/axe-core/axe.min.js

test: lint browser-tools
	$(BIN)/pytest

# Benchmarks print tables of ratios against baselines measured in the same run (see benchmarks/).
bench: setup browser-tools
	cd benchmarks && ../$(BIN)/python bench_report.py
	cd benchmarks && ../$(BIN)/python bench_voila.py

clean:
	rm -rf $(VENV) workshops .pytest_cache .mypy_cache .ruff_cache .hypothesis
