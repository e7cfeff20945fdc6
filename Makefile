# The two set-up commands of the README: `make demo` and `make test`.
# Both bootstrap what they need (a browser, the virtualenv) and are idempotent.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bootstrap browser clean bench

# The demo keeps its data in ./var, apart from the per-user data dir that other commands use.
demo: bootstrap
	ECWATCH_DATA_DIR=$(CURDIR)/var $(BIN)/ecwatch demo

test: bootstrap
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bootstrap: $(STAMP) browser

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "ecwatch needs Python >= 3.11 (found $$($(PYTHON) -V))"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { echo "python3 -m venv failed: install python3-venv (apt-get install -y python3-venv)"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# Without a browser ecwatch still crawls (pages as served, no screenshots): the script's one-line
# hint is shown and make goes on.
browser: $(STAMP)
	@sh scripts/ensure-browser.sh $(BIN)/python || true

bench: bootstrap
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info
