# Two commands on a fresh machine with Python 3.11: `make demo` and `make test`.
# Each bootstraps a pinned, locked environment first (uv, installed with pip if missing).
PYTHON ?= python3
UV := $(PYTHON) -m uv
RUN := $(UV) run --frozen

.PHONY: bootstrap demo demo-down test bench clean

bootstrap:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	@$(UV) sync --frozen --quiet

demo: bootstrap
	$(RUN) golive demo

test: bootstrap
	$(RUN) pytest -q

bench: bootstrap
	$(RUN) python bench/sandbox_startup.py
	$(RUN) python bench/edge_overhead.py
	$(RUN) python bench/decision_quality.py
	$(RUN) python bench/time_to_rollback.py
	$(RUN) python bench/sigkill_to_stable.py
	$(RUN) python bench/rehearsal.py

demo-down: bootstrap
	$(RUN) golive stop

clean: demo-down
	rm -rf .golive .venv
