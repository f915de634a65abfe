# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export ATTUNE_VAR_DIR ?= $(CURDIR)/var
# Python keeps its compiled modules (__pycache__) on disk, even where the shell says not to
# (PYTHONDONTWRITEBYTECODE=1 on CI's machine): without them every process compiles what it
# imports again — pytest's collection 14 s instead of 5 s, each `attune` command 1.9 s instead
# of 1.3 s (issue 15, CI time).
unexport PYTHONDONTWRITEBYTECODE
# One pytest worker per core (pytest-xdist); each test file stays on one worker, so a file's
# fixtures (a loaded demo, a browser) are built once. Files are handed out in collection order,
# the longest first (tests/conftest.py), not xdist's "most tests first", which left one-test
# files of 15-20 s for the end. PYTEST_WORKERS= runs them serially.
PYTEST_WORKERS ?= -n auto --dist loadfile --no-loadscope-reorder
# mypy's cache lives beside uv's and pip's, outside the checkout, so a fresh clone checks only
# what differs from the last check on this machine (0.8 s instead of 21 s for src/attune); mypy
# compares each file's hash with the cache's, so an old cache never hides an error.
export MYPY_CACHE_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/attune/mypy

.PHONY: demo demo-reset test types pytest-runs install install-dev lint chromium clean

# `make demo` prints the address to open (http://127.0.0.1:$PORT, PORT=8000 by default) and the
# logins; e-mails appear in its terminal. `make demo-reset` drops the demo database, loads the
# demo practice again and serves it.
demo: $(VENV)/.installed
	$(BIN)/attune demo

demo-reset: $(VENV)/.installed
	$(BIN)/attune demo --reset

# The types are checked beside the tests (make -j2), not before them: without its cache (a
# fresh machine) mypy keeps one core busy for 20-40 s, which the tests' workers now share
# instead of waiting for it. Both must pass.
test: $(VENV)/.installed-dev chromium
	$(BIN)/ruff check src tests benchmarks stubs
	$(BIN)/ruff format --check src tests benchmarks stubs
	@$(MAKE) --no-print-directory -j2 types pytest-runs

# mypy --strict on all of src/attune, then why each type: ignore is there (tests/test_typing.py).
types: $(VENV)/.installed-dev
	$(BIN)/mypy --strict src/attune
	@$(BIN)/python tests/test_typing.py

pytest-runs: $(VENV)/.installed-dev chromium
	PYTEST_WORKERS="$(PYTEST_WORKERS)" COVERAGE="$(COVERAGE)" bash scripts/test_runs.sh

# The static checks alone, without the test suite: style, types (all of src/attune), the layering
# (tests/engine/test_purity.py), the reasons for inline imports and type: ignores (tests/test_inline_imports.py,
# tests/test_typing.py).
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks stubs
	$(BIN)/ruff format --check src tests benchmarks stubs
	@$(MAKE) --no-print-directory types
	$(BIN)/pytest -q -p no:cacheprovider tests/engine/test_purity.py tests/test_inline_imports.py tests/test_typing.py

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Attune needs Python 3.11 or newer"'
	$(PYTHON) -m venv --without-pip $(VENV)

# uv installs the packages pip would, from the same index, in a few seconds instead of ~45 (issue
# 15, CI time; docs/decisions.md). The production install in docs/deployment.md keeps plain pip.
# uv itself comes from PyPI through the system's pip, pointed at the venv (pip 22.3 or newer),
# which spares the venv its own pip (3 s); else through a pip put in the venv first.
$(BIN)/uv: | $(BIN)/python
	$(PYTHON) -m pip --python $(BIN)/python install --quiet --disable-pip-version-check 'uv>=0.5' \
	|| { $(BIN)/python -m ensurepip --default-pip >/dev/null \
	     && $(BIN)/python -m pip install --quiet --disable-pip-version-check 'uv>=0.5'; }

# From uv's cache alone when it holds a version of every package pyproject.toml asks for (1.7 s
# on this machine), else from the index: uv revalidates the index's pages after ten minutes, which
# cost CI 6 s of waiting on the network with both cores idle (issue 15, CI time; a new dependency,
# a raised minimum or an empty cache fail the first try, and the second installs as before).
UV_INSTALL = $(BIN)/uv pip install --quiet --python $(BIN)/python
define install_from_cache_or_index
	$(UV_INSTALL) --offline $(1) 2>/dev/null || $(UV_INSTALL) $(1)
endef

$(VENV)/.installed: pyproject.toml | $(BIN)/uv
	$(call install_from_cache_or_index,-e .)
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/uv
	$(call install_from_cache_or_index,-e '.[dev]')
	touch $@ $(VENV)/.installed

# The browser tests drive Debian's Chromium: the headless shell (the same release without the
# browser's UI, about a third of the CPU per page; tests/browser/conftest.py) and the full browser
# beside it. Install them when missing and we can (root or password-less sudo); otherwise say so —
# the tests then skip, except under CI=true.
CHROMIUM_PACKAGES := chromium chromium-headless-shell
chromium:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromium-headless-shell ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	else echo "make: cannot install $(CHROMIUM_PACKAGES) (not root, no sudo): browser tests may be skipped"; exit 0; fi; \
	echo "make: installing Debian's $(CHROMIUM_PACKAGES) for the browser tests"; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(CHROMIUM_PACKAGES) >/dev/null \
	|| echo "make: $(CHROMIUM_PACKAGES) could not be installed: browser tests may be skipped"

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
