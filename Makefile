# `make lab` and `make test` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: lab test lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	-test -d .git && $(BIN)/nbstripout --install --attributes .gitattributes
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/cognito-mfa-kit lab

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/sandbox_latency.py
	$(BIN)/python bench/kit_overhead.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
