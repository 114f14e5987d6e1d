# Two commands: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup sysdeps demo test lab bench clean

setup: $(STAMP) sysdeps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

sysdeps:
	@bash scripts/install_system_deps.sh

demo: setup
	$(BIN)/alxa demo

test: setup
	$(BIN)/python -m pytest -q

lab: setup
	$(BIN)/python -m pip install -q -e '.[lab]'
	$(BIN)/jupyter lab --notebook-dir=.

bench: setup
	$(BIN)/python bench/run_bench.py

clean:
	rm -rf $(VENV) data/*.duckdb data/archive data/sample outputs/*/
