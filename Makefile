# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test bench lint clean messages

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: install
	$(BIN)/hotline-monitor demo

# Lint first (a second); pytest exits 5 when it collects no test: that fails here like any other failure.
test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: install
	@set -e; for script in bench/[!_]*.py; do \
	  echo "== $$script"; $(BIN)/python $$script; \
	done

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache

# The web UI's catalogue: extract the texts, merge them into web/locale/zh_CN (then translate the new ones;
# tests/web/test_i18n.py fails while one is missing). The .po is compiled in memory at start-up.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k ngettext:1,2 --no-location --sort-output --omit-header \
	  -o web/locale/messages.pot web
	test -f web/locale/zh_CN/LC_MESSAGES/messages.po || \
	  $(BIN)/pybabel init -i web/locale/messages.pot -d web/locale -l zh_CN
	$(BIN)/pybabel update -i web/locale/messages.pot -d web/locale -l zh_CN --no-fuzzy-matching
