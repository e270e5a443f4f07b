# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed
STAMP_TEST := $(VENV)/.installed-test

.PHONY: demo test test-all bench install clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) setup.cfg pyproject.toml
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(STAMP_TEST): $(STAMP)
	$(PIP) install --quiet -e ".[test,dask]"
	touch $@

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/hpfold demo

test: $(STAMP_TEST)
	$(PY) -m pytest -q

test-all: $(STAMP_TEST)
	$(PY) -m pytest -q --runslow

bench: $(STAMP)
	$(PY) benchmarks/enumeration.py

clean:
	rm -rf $(VENV) build *.egg-info
