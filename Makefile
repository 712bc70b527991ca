# Two commands on a fresh machine:  `make run` (Siaga on SQLite: web chat + console)
#                                   `make test` (lint, types and every test, both databases)
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: setup run test lint typecheck pytest browser bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

run: setup
	@test -n "$$SIAGA_SKIP_DEMO_OPERATOR" || $(BIN)/python -m bot.demo
	$(BIN)/siaga serve

# Debian's Chromium for the console's browser tests (never a browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

pytest: setup browser
	$(BIN)/pytest

test: lint typecheck pytest

bench: setup
	$(BIN)/python bench/load_webchat.py --db sqlite
	$(BIN)/python bench/load_webchat.py --db postgres

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache siaga.db* media
