# Two commands on a fresh machine: `make run` (set up, start the assistant) and
# `make test` (set up, then lint, types and the whole test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint typecheck pytest bench format clean lock audit

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: setup
	$(BIN)/wegweiser run

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

pytest: setup
	$(BIN)/pytest

test: lint typecheck pytest

bench: setup
	$(BIN)/python bench/accuracy.py
	$(BIN)/python bench/scale.py

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .venv-audit .mypy_cache .ruff_cache .pytest_cache *.egg-info

# Pin what is installed now (after changing pyproject.toml: rm -rf .venv; edit; make lock).
lock: setup
	{ echo "# Exact versions that make run / make test install (pip -c). Regenerate with: make lock"; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -vi '^wegweiser'; } > constraints.txt

# Known vulnerabilities in the pinned versions (asks PyPI's advisory data: needs the network).
# pip-audit lives in a venv of its own, so that it never enters constraints.txt.
audit:
	test -x .venv-audit/bin/pip-audit || { $(PYTHON) -m venv .venv-audit && \
	  .venv-audit/bin/python -m pip install --quiet --disable-pip-version-check pip-audit; }
	.venv-audit/bin/pip-audit -r constraints.txt --progress-spinner off
