# `make lab`, `make test` and `make hub` do all the set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# configurable-http-proxy (npm), which JupyterHub needs for `cognito-mfa-kit hub`, in a folder of the project's own
NODE_DIR := .node
CHP_VERSION := 5.3.0
CHP := $(NODE_DIR)/node_modules/.bin/configurable-http-proxy
# make hub SHEET=class.csv COUNT=25 [HUB_ARGS="--host 0.0.0.0"]
SHEET ?= class.csv

.PHONY: lab test lint bench clean hub hub-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,hub]'
	-test -d .git && $(BIN)/nbstripout --install --attributes .gitattributes
	touch $(STAMP)

$(CHP):
	@command -v npm >/dev/null || { echo "make: npm is needed for JupyterHub's proxy (apt-get install nodejs npm)"; exit 1; }
	npm install --prefix $(NODE_DIR) --no-audit --no-fund --loglevel=error configurable-http-proxy@$(CHP_VERSION)
	touch $(CHP)

hub-deps: $(STAMP) $(CHP)

lab: $(STAMP)
	$(BIN)/cognito-mfa-kit lab

hub: hub-deps
	$(BIN)/cognito-mfa-kit hub --sheet $(SHEET) $(if $(COUNT),--count $(COUNT)) $(HUB_ARGS)

test: $(STAMP) $(CHP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/sandbox_latency.py
	$(BIN)/python bench/kit_overhead.py

clean:
	rm -rf $(VENV) $(NODE_DIR) .pytest_cache .ruff_cache
