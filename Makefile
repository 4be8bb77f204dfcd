# Two commands: `make book` builds the HTML book, `make test` runs every test.
# Both create .venv on first use and reinstall when requirements.txt or pyproject.toml change.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Smoke mode (small workloads) and no download attempts: tests never touch the network.
TEST_ENV := DLSG_SMOKE=1 DLSG_OFFLINE=1 MPLBACKEND=Agg OMP_NUM_THREADS=1 PYDEVD_DISABLE_FILE_VALIDATION=1
JOBS ?= 2

.PHONY: book test lint unit notebooks browser bench clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . --all -W -n --keep-going

test: lint unit notebooks browser

lint: $(STAMP)
	$(BIN)/ruff check dlsg_utils tests chapters _ext $(wildcard benchmarks)

unit: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest tests -n $(JOBS) -q --ignore=tests/browser

notebooks: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest --nbval-lax chapters -n $(JOBS) --dist loadscope -q \
		--nbval-cell-timeout=600

# Browser tests read the built book; they need `make book` first and Debian's Chromium.
browser: $(STAMP)
	@if [ ! -f _build/html/intro.html ]; then \
		echo "SKIPPED browser tests: no built book in _build/html (run 'make book' first)"; \
	elif [ ! -x /usr/bin/chromium ]; then \
		echo "SKIPPED browser tests: /usr/bin/chromium missing (apt-get install chromium)"; \
	else \
		$(BIN)/python -m pytest tests/browser -q -p no:cacheprovider; \
	fi

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf _build .pytest_cache .ruff_cache .hypothesis
