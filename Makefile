# Two commands: `make book` builds the HTML book, `make test` runs every test.
# Both create .venv on first use and reinstall when requirements.txt or pyproject.toml change.
# TORCH_INDEX=https://download.pytorch.org/whl/cpu gets PyTorch's CPU build on Linux (PyPI's
# Linux wheel is the CUDA build, several GB with its libraries).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Smoke mode (small workloads) and no download attempts: tests never touch the network.
TEST_ENV := DLSG_SMOKE=1 DLSG_OFFLINE=1 MPLBACKEND=Agg OMP_NUM_THREADS=1 PYDEVD_DISABLE_FILE_VALIDATION=1
JOBS ?= 2

.PHONY: print-tex-packages test-latest test-oldest book pdf colab slides test lint unit notebooks browser bench clean lab reference

# A .venv without the stamp was interrupted while it was being built: start it again rather
# than trust it. A stamp older than the requirements means "update in place".
$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || { \
		echo "The book needs Python 3.10 or newer; $(PYTHON) is $$($(PYTHON) --version 2>&1)."; \
		echo "Run make with PYTHON=/path/to/python3.11 (or install one)."; exit 1; }
	@if [ -d $(VENV) ] && [ ! -f $(STAMP) ]; then \
		echo "$(VENV) is incomplete (an earlier install stopped): building it again"; \
		rm -rf $(VENV); fi
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX))
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

# The JavaScript that renders widget outputs (progress bars) in the HTML book, served locally
# so pages need no network: fetched from the npm registry (no npm needed), checked against
# pinned sha512 integrity hashes, into _vendor/ (served as _static/widgets/).
WIDGETS_JS := _vendor/static/widgets/embed-amd.js
$(WIDGETS_JS): tools/vendor_js.py | $(STAMP)
	$(BIN)/python tools/vendor_js.py _vendor

# reveal.js for the slide decks (`make slides`), fetched the same way into _vendor/slides/.
REVEAL_JS := _vendor/slides/reveal.js/dist/reveal.js
$(REVEAL_JS): tools/vendor_js.py | $(STAMP)
	$(BIN)/python tools/vendor_js.py _vendor

# tools/preexecute.py first executes the chapters missing from the execution cache side by
# side (one per two cores, at least two), so the build itself only renders them.
book: $(STAMP) $(WIDGETS_JS)
	$(BIN)/python tools/preexecute.py
	$(BIN)/jupyter-book build . --all -W -n --keep-going
	$(link_pdf)

# The intro's "PDF edition" link is never broken (tests/browser/test_links.py): once `make pdf`
# has built the PDF, `make book` and `make pdf` copy it next to the pages and the link leads to
# it; until then it leads to the README's section on building it.
PDF_HOWTO := https://github.com/dlsg/gradient-descent-and-convnets\#the-pdf-edition
define link_pdf
	@mkdir -p _build/html; \
	if [ -f _build/latex/book.pdf ]; then cp _build/latex/book.pdf _build/html/book.pdf; \
		old='$(PDF_HOWTO)'; new=book.pdf; else old=book.pdf; new='$(PDF_HOWTO)'; fi; \
	if [ -f _build/html/intro.html ]; then \
		sed -i.orig "s|href=\"$$old\"|href=\"$$new\"|" _build/html/intro.html && \
		rm _build/html/intro.html.orig; fi
endef

# The PDF edition: Jupyter Book's LaTeX builder with XeLaTeX (Debian's TeX Live packages, as
# .ci/run installs them). Executions come from the same cache as `make book`. The PDF is copied
# next to the HTML pages, which link to it.
TEX_PACKAGES := texlive-xetex texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended fonts-freefont-otf fonts-dejavu-core latexmk xindy
print-tex-packages:
	@echo $(TEX_PACKAGES)

pdf: $(STAMP)
	@command -v xelatex > /dev/null && command -v latexmk > /dev/null || { \
		echo "make pdf needs XeLaTeX and latexmk: apt-get install $(TEX_PACKAGES)"; exit 1; }
	$(BIN)/python tools/preexecute.py
	$(BIN)/jupyter-book build . --builder pdflatex -W -n --keep-going
	@test -f _build/latex/book.pdf || { echo "the LaTeX build wrote no _build/latex/book.pdf"; exit 1; }
	$(link_pdf)
	@echo "PDF: _build/latex/book.pdf (and _build/html/book.pdf)"

# Colab- and Jupyter-ready copies of the chapters (colab/NN_*.ipynb, no raw MyST), with the
# numbers of the last `make book`, whose execution cache they are read from.
colab: $(STAMP)
	$(BIN)/python tools/colab_copies.py

# The study-group slides: one reveal.js deck per chapter and one for the whole meeting
# (_build/slides/*.slides.html, copied to _build/html/slides/ when the book is built), from the
# chapters as `make book` executed them (nothing runs again). Cells choose their role by
# metadata.slideshow.slide_type; tools/slides.py says what the others get. Offline, like the book.
# SLIDES_ARGS=--latest shows a chapter changed since `make book` with its latest run's outputs.
slides: $(STAMP) $(REVEAL_JS)
	$(BIN)/python tools/slides.py $(SLIDES_ARGS)

test: lint unit notebooks browser

lint: $(STAMP)
	$(BIN)/ruff check dlsg_utils tests chapters _ext tools $(wildcard benchmarks)

# The package's docstring examples are doctests: they run too, so an example cannot go stale.
unit: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest tests -n $(JOBS) -q --ignore=tests/browser
	$(TEST_ENV) $(BIN)/python -m pytest dlsg_utils --doctest-modules -q -p no:cacheprovider

notebooks: $(STAMP)
	$(TEST_ENV) $(BIN)/python -m pytest --nbval-lax chapters -n $(JOBS) --dist loadscope -q \
		--nbval-cell-timeout=600

# Browser tests need Debian's Chromium. Most read the built book (`make book` first) and skip
# without it; those of the optimizer lab and the convolution explorer (test_lab_in_browser.py)
# build their own page and always run. axe-core (fetched by `make book`) is optional.
browser: $(STAMP)
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "SKIPPED browser tests: /usr/bin/chromium missing (apt-get install chromium)"; \
	else \
		if [ ! -f _build/html/intro.html ]; then \
			echo "no built book in _build/html: only the standalone pages are tested (run 'make book' first)"; fi; \
		$(BIN)/python -m pytest tests/browser -q -p no:cacheprovider; \
	fi

# JupyterLab, installed into .venv on first use (the book itself does not need it). As root
# (containers, cloud VMs) JupyterLab refuses to start without --allow-root: it is given then.
lab: $(STAMP)
	test -x $(BIN)/jupyter-lab || $(BIN)/python -m pip install --quiet jupyterlab
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) chapters/

# The package's stated dependency ranges, tested at both ends, each in its own environment:
# the newest releases of what a Colab runtime has (test-latest), and the oldest versions that
# pyproject.toml allows (test-oldest, pinned in tests/oldest-constraints.txt). Each installs
# the book's tools from requirements.txt, the package and its dependencies, then runs the unit
# tests and every chapter in smoke mode.
RUNTIME_DEPS := numpy|torch|matplotlib|ipywidgets|tqdm|torchinfo|pillow|scipy
COLAB_SET := numpy matplotlib ipywidgets tqdm torchinfo ipython pillow scipy
define variant_test
	rm -rf $(1) && $(PYTHON) -m venv $(1)
	$(1)/bin/python -m pip install --quiet --upgrade pip
	grep -v -E '^($(RUNTIME_DEPS))\b' requirements.txt > $(1)/tools-requirements.txt
	$(1)/bin/python -m pip install --quiet -r $(1)/tools-requirements.txt -e . $(2)
	$(if $(3),$(1)/bin/python -m pip install --quiet $(3))
	$(1)/bin/python -m pip list 2>/dev/null | grep -i -E '^($(RUNTIME_DEPS)|ipython) '
	$(TEST_ENV) $(1)/bin/python -m pytest tests -n $(JOBS) -q --ignore=tests/browser -p no:cacheprovider
	$(TEST_ENV) $(1)/bin/python -m pytest --nbval-lax chapters -n $(JOBS) --dist loadscope -q \
		-p no:cacheprovider --nbval-cell-timeout=600
endef

test-latest:
	$(call variant_test,.venv-latest,torch==2.13.0 $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX)),--upgrade $(COLAB_SET))

test-oldest:
	$(call variant_test,.venv-oldest,-c tests/oldest-constraints.txt)

# The reference runs of Part II (see README): trains every named run that has not finished and
# continues interrupted ones, then rewrites the package's checksum index. Needs the full CIFAR-10
# JPEG copy: DLSG_CIFAR10=/path/to/folder (default: ../shared/data/cifar10 if it exists).
REF ?= all
REF_JOBS ?= 1
REF_THREADS ?= 2
DLSG_CIFAR10 ?= $(wildcard $(abspath ../shared/data/cifar10))
reference: $(STAMP)
	DLSG_CIFAR10="$(DLSG_CIFAR10)" $(BIN)/python -m dlsg_utils.reference run $(REF) \
		--jobs $(REF_JOBS) --threads $(REF_THREADS)
	$(BIN)/python -m dlsg_utils.reference index

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf _build .pytest_cache .ruff_cache .hypothesis
