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

# The JavaScript that renders widget outputs (progress bars) in the HTML book, served locally
# so pages need no network: fetched once from the npm registry into _vendor/static/widgets/ (served as _static/widgets/).
WIDGETS_JS := _vendor/static/widgets/embed-amd.js
$(WIDGETS_JS):
	rm -rf _vendor .npm-pack && mkdir -p _vendor/static/widgets .npm-pack
	cd .npm-pack && npm pack --silent @jupyter-widgets/html-manager@1.0.6 requirejs@2.3.4 > /dev/null \
		&& tar xzf jupyter-widgets-html-manager-1.0.6.tgz && tar xzf requirejs-2.3.4.tgz --one-top-level=rq
	cp .npm-pack/package/dist/*.js .npm-pack/rq/package/require.js _vendor/static/widgets/
	# the widget CSS loads its icon fonts relative to the page: chapters/@jupyter-widgets/...
	mkdir -p _vendor/extra/chapters/@jupyter-widgets/html-manager/dist
	cp .npm-pack/package/dist/*.woff* .npm-pack/package/dist/*.ttf .npm-pack/package/dist/*.eot \
		.npm-pack/package/dist/*.svg _vendor/extra/chapters/@jupyter-widgets/html-manager/dist/
	rm -rf .npm-pack

book: $(STAMP) $(WIDGETS_JS)
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
