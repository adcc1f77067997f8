# Two entry points for a fresh machine: `make demo` (main job on built-in data) and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= demo-out

.PHONY: venv demo test lint bench clean

$(BIN)/kebiokg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch is pinned on every install path: an unpinned torch pulls GBs of CUDA wheels.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

venv: $(BIN)/kebiokg

demo: venv
	$(BIN)/kebiokg demo --out $(OUT)

test: venv
	$(BIN)/python -m pytest -n 2 -q

lint: venv
	$(BIN)/ruff check .

bench: venv
	$(BIN)/python bench/bench_load.py --scale 0.1 --naive-scale 0.01
	$(BIN)/python bench/bench_index.py --scale 0.1 --queries 500
	$(BIN)/python bench/bench_nearest_quality.py
	$(BIN)/python bench/bench_annotate.py --scale 0.1 --docs 5000 --skip-peers
	$(BIN)/python bench/bench_pretrain.py --steps 10
	$(BIN)/python bench/bench_scale.py --sizes 10000,100000 --steps 4
	$(BIN)/python bench/bench_probe.py --seeds 0 --steps 100
	$(BIN)/python bench/bench_finetune.py --seeds 0 --pretrain-steps 20 --finetune-steps 20 --tasks NCBI-disease

clean:
	rm -rf $(VENV) $(OUT) build *.egg-info
