# `make lab`, `make test` and `make hub` do all the set-up on a fresh machine, and modify no tracked file:
#  1. a venv in .venv (without pip: uv needs none, and ensurepip alone takes seconds);
#  2. the package (editable), and for `make test` its test tools, installed by uv — the venv's, the one on PATH, or
#     else uv fetched from PyPI into the venv by the system's pip (`pip --python`) or by the venv's own (ensurepip) —
#     or by pip when uv can't be had or fails (INSTALLER=pip: pip only);
#  3. nbstripout's git filter (.git/config; the attributes are committed in .gitattributes), when this folder is the
#     top of a git clone of its own: never from a linked worktree, whose config is shared with the main one.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LAB_STAMP := $(VENV)/.installed-lab
# what `make install` installs (editable)
SPEC ?= .[test,hub]
INSTALLER ?= uv
# nbstripout also drops what JupyterLab writes into language_info from the running kernel (its Python version differs
# from machine to machine), so a notebook saved in JupyterLab is committed as it was: kernelspec + language_info.name.
NB_EXTRA_KEYS := metadata.language_info.codemirror_mode metadata.language_info.file_extension \
	metadata.language_info.mimetype metadata.language_info.nbconvert_exporter metadata.language_info.pygments_lexer \
	metadata.language_info.version
VENV_PIP = { $(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip >/dev/null; }
FETCH_UV = { { $(PYTHON) -m pip --python $(BIN)/python install -qq uv >&2 \
	|| { $(VENV_PIP) && $(BIN)/python -m pip install -qq uv >&2; }; } && echo $(BIN)/uv; }

.PHONY: lab test lint bench clean install git-filter hub hub-deps

# `make lab` installs what the lab needs; `make test` (and `make .venv/.installed`) adds the test tools
$(LAB_STAMP): pyproject.toml
	@$(MAKE) --no-print-directory install SPEC=.
	@$(MAKE) --no-print-directory git-filter
	touch $(LAB_STAMP)

$(STAMP): $(LAB_STAMP)
	@$(MAKE) --no-print-directory install SPEC='.[test,hub]'
	touch $(STAMP)

install:
	test -x $(BIN)/python || $(PYTHON) -m venv --without-pip $(VENV)
	@if [ "$(INSTALLER)" = uv ] && uv=$$(command -v $(BIN)/uv || command -v uv || $(FETCH_UV)) \
	  && echo "install: $$($$uv --version) → $(BIN)/python" \
	  && $$uv pip install -q --python $(BIN)/python -e '$(SPEC)'; then \
	  echo "install: done (uv)"; \
	else \
	  echo "install: with pip$$([ "$(INSTALLER)" = uv ] && echo ' (uv could not be had or failed)')"; \
	  $(VENV_PIP) && $(BIN)/python -m pip install -q --upgrade pip && $(BIN)/python -m pip install -q -e '$(SPEC)' \
	  && echo "install: done (pip)"; \
	fi

git-filter:
	@if [ "$$(git rev-parse --git-dir 2>/dev/null)" = .git ]; then \
	  $(BIN)/nbstripout --install && git config filter.nbstripout.extrakeys '$(NB_EXTRA_KEYS)' \
	  && echo "git-filter: nbstripout strips notebooks' outputs on commit"; \
	else \
	  echo "git-filter: not the top of a git clone of its own: nbstripout's filter left as it is"; \
	fi

# configurable-http-proxy (npm), which JupyterHub needs for `cognito-mfa-kit hub`, in a folder of the project's own
NODE_DIR := .node
CHP_VERSION := 5.3.0
CHP := $(NODE_DIR)/node_modules/.bin/configurable-http-proxy
# make hub SHEET=class.csv COUNT=25 [HUB_ARGS="--host 0.0.0.0"]
SHEET ?= class.csv

$(CHP):
	@command -v npm >/dev/null || { echo "make: npm is needed for JupyterHub's proxy (apt-get install nodejs npm)"; exit 1; }
	npm install --prefix $(NODE_DIR) --no-audit --no-fund --loglevel=error configurable-http-proxy@$(CHP_VERSION)
	touch $(CHP)

hub-deps: $(STAMP) $(CHP)

lab: $(LAB_STAMP)
	$(BIN)/cognito-mfa-kit lab

hub: hub-deps
	$(BIN)/cognito-mfa-kit hub --sheet $(SHEET) $(if $(COUNT),--count $(COUNT)) $(HUB_ARGS)

test: $(STAMP) $(CHP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/sandbox_latency.py
	$(BIN)/python bench/kit_overhead.py

clean:
	rm -rf $(VENV) $(NODE_DIR) .pytest_cache .ruff_cache
