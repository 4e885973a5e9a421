# Developer entry points. `make test` is the README's test command and what CI runs.
PYTHON ?= python3
PYTEST_ARGS ?=
# A command prefix for the install step: .ci/run sets it to a lock (`flock FILE`) because every
# interpreter's editable install writes into this tree (its own .so files, the shared egg-info).
INSTALL_LOCK ?=

.PHONY: install test test-cython test-python bench asv-smoke demo clean

install:
	$(INSTALL_LOCK) $(PYTHON) -m pip install -q --upgrade pip
	$(INSTALL_LOCK) $(PYTHON) -m pip install -q -e '.[dev]'

# Runs the whole suite once per backend (both, even when the first fails); fails if either leg fails.
test: install
	@status=0; \
	echo "L0_BACKEND=cython $(PYTHON) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)"; \
	L0_BACKEND=cython $(PYTHON) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS) || status=1; \
	echo "L0_BACKEND=python $(PYTHON) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)"; \
	L0_BACKEND=python $(PYTHON) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS) || status=1; \
	exit $$status

test-cython:
	L0_BACKEND=cython $(PYTHON) -m pytest -q $(PYTEST_ARGS)

test-python:
	L0_BACKEND=python $(PYTHON) -m pytest -q $(PYTEST_ARGS)

# Smoke-runs every asv benchmark once (exit 2 if any errors); about a minute.
asv-smoke:
	cd asv_bench && $(PYTHON) -m asv machine --yes >/dev/null && \
	L0_ASV_MAX_TOKENS=20000 $(PYTHON) -m asv run --quick --dry-run --python=same --show-stderr

# Regenerates BENCHMARKS.md and its plot from a real run (about 10 minutes).
bench:
	$(PYTHON) -m l0 bench --compare-reference --report --snapshot

demo: install
	$(PYTHON) -m l0 demo

clean:
	rm -rf build dist *.egg-info l0/_speedups/*.c l0/_speedups/*.so
