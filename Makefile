PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: install dev run test lint format bench corpus train train-numbers evaluate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip setuptools wheel

install: $(BIN)/python
	$(BIN)/pip install -e .

dev: $(BIN)/python
	$(BIN)/pip install -e '.[dev]'

# Start the HTTP service on 127.0.0.1:8000 with the shipped models, a SQLite file under ./var
# and the fictional demo registry. Scoring is open here for a local try-out (production keeps
# it keyed: KEFUGUARD_OPEN_SCORING=false, the default); writes always need a key
# (`kefuguard keys create --scope admin`). OpenAPI docs: http://127.0.0.1:8000/docs
run: install
	$(BIN)/kefuguard registry import detector/data/demo_registry.yaml
	KEFUGUARD_OPEN_SCORING=$${KEFUGUARD_OPEN_SCORING:-true} $(BIN)/kefuguard serve --host 127.0.0.1 --port $${PORT:-8000}

test: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

EVAL_DIR ?= ../shared/eval

bench: install
	$(BIN)/python benchmarks/bench_signals.py
	$(BIN)/python benchmarks/bench_messages.py

# Rebuild the corpus from the seed templates, then retrain the shipped model (deterministic).
corpus: install
	$(BIN)/python -m training.corpus.build

train: install
	$(BIN)/kefuguard train $(if $(wildcard $(EVAL_DIR)),--eval-dir $(EVAL_DIR))

# Retrain the shipped number risk model on simulated labels (training/number_priors.yaml).
train-numbers: install
	$(BIN)/kefuguard train-numbers

evaluate: install
	$(BIN)/kefuguard evaluate --data $(EVAL_DIR)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
