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

# Show kefuguard on the shipped defaults (the CLI's main job until the API lands): load the
# fictional demo registry into ./var/kefuguard.db, score a message, check two contacts.
run: install
	$(BIN)/kefuguard registry import detector/data/demo_registry.yaml
	$(BIN)/kefuguard messages check "您好，我是示例卡盟客服，您的订单异常需要退款，请加QQ 800099999，并把手机收到的验证码发给我"
	$(BIN)/kefuguard contacts check 400-820-5678 --claimed-org 示例卡盟
	$(BIN)/kefuguard contacts check 17012345678 --claimed-org 示例卡盟 --channel call

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
