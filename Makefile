# Skiller node: `make run` starts a working instance, `make test` runs the whole test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-quick check demo messages

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Skiller node needs Python 3.11 or newer."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { echo "Cannot create a virtual environment: install python3-venv (apt-get install python3-venv)."; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

run: $(VENV)/.installed
	$(BIN)/skiller init --non-interactive
	$(BIN)/skiller serve

test: $(VENV)/.installed
	$(BIN)/python -m pytest

# The edit–test loop: SQLite only, no browser, no tests that start other processes (under a minute).
test-quick: $(VENV)/.installed
	env -u SKILLER_TEST_POSTGRES_URL -u CI $(BIN)/python -m pytest -q -m "not browser and not slow" -n auto

# Lint, format and types, as CI checks them.
check: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

demo: $(VENV)/.installed
	$(BIN)/skiller init --non-interactive
	$(BIN)/skiller demo

# Refresh the translation catalogs after changing user-facing text.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F node/locale/babel.cfg -k N_ -k _ -o node/locale/messages.pot --no-location --omit-header --ignore-dirs=".venv .git tests bench" .
	$(BIN)/pybabel update -i node/locale/messages.pot -d node/locale --no-fuzzy-matching
