# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test bench lint clean

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
