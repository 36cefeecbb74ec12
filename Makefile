PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: install dev run test lint format bench corpus train evaluate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip setuptools wheel

install: $(BIN)/python
	$(BIN)/pip install -e .

dev: $(BIN)/python
	$(BIN)/pip install -e '.[dev]'

# Start kefuguard on the shipped defaults (the CLI's main job until the API lands).
run: install
	$(BIN)/kefuguard messages check "您好，我是平台客服，您的订单异常需要退款，请把手机收到的验证码发给我"

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

evaluate: install
	$(BIN)/kefuguard evaluate --data $(EVAL_DIR)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
