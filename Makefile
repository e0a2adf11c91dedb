# Debrief — the two commands a newcomer needs:
#   make run    start the dashboard on the built-in sample data
#   make test   run the whole test suite
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
DB ?= data/debrief.duckdb
PORT ?= 8501
SAMPLES := sample_data/salesforce_opportunities.csv sample_data/hubspot_deals.csv sample_data/pipedrive_deals.csv

.PHONY: run test venv sample-db lint bench screenshots clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	# lifelines (test-only) still declares pandas<3 although it works with pandas 3.
	$(PY) -m pip install --quiet --no-deps lifelines==0.30.3
	touch $@

venv: $(VENV)/.installed

# Built once, when missing: never rebuilt over a database the user has imported into.
# (`make clean` or deleting the file starts again from the sample.)
$(DB): | $(VENV)/.installed
	mkdir -p $(dir $(DB))
	$(PY) -m analytics import --db $(DB) $(SAMPLES)

sample-db: $(DB)

run: $(DB)
	DEBRIEF_DB=$(DB) DEBRIEF_SAMPLE=1 $(VENV)/bin/streamlit run app.py \
		--server.port $(PORT) --server.headless true

test: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(PY) -m ruff check .

bench: $(VENV)/.installed
	$(PY) benchmarks/run.py
	$(PY) benchmarks/pages.py --sizes 10000 100000 1000000 --rss
	$(PY) benchmarks/pandas_summary.py
	$(PY) benchmarks/browser.py --deals 100000

# The browser journeys; they save a screenshot of every page to screenshots/.
screenshots: $(VENV)/.installed
	$(PY) -m pytest tests/test_browser.py

clean:
	rm -rf $(VENV) data .pytest_cache screenshots
