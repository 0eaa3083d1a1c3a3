# The two commands of README.md: `make demo` runs the main job, `make test` runs the tests.
# Each does all set-up first (a project-local virtual environment with every dependency).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test setup lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# `make demo PORT=9080`: the endpoint, and so its dashboard page, on a fixed port, so that a browser
# tab left open follows the next run. Only from the command line: an exported PORT is not taken.
PORT =

demo: $(STAMP)
	$(BIN)/python -m restagen.local.server install
	$(BIN)/python examples/ftgo/demo.py$(if $(PORT), --port $(PORT))

lint: $(STAMP)
	$(BIN)/ruff check restagen tests benchmarks examples
	$(BIN)/ruff format --check restagen
	$(BIN)/mypy

test: lint
	$(BIN)/python -m restagen.local.server install
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) .restate
