# Two commands on a fresh machine with Python 3.11: `make demo` and `make test`.
# Each bootstraps a pinned, locked environment first (uv, installed with pip if missing).
PYTHON ?= python3
UV := $(PYTHON) -m uv
# The locked environment's own executables, not `uv run`: uv forwards the terminal's Ctrl-C to its
# child a second time, and a second interrupt would cut the first one's clean stop short.
BIN := .venv/bin

.PHONY: bootstrap demo demo-down test lint format bench clean

bootstrap:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	@$(UV) sync --frozen --quiet --extra sandbox
	@scripts/install-prometheus

demo: bootstrap
	$(BIN)/golive demo

test: bootstrap
	$(BIN)/pytest -q

# ruff's formatter and linter (pyproject.toml [tool.ruff]); `make format` applies what they can fix.
lint: bootstrap
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: bootstrap
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: bootstrap
	$(BIN)/python bench/sandbox_startup.py
	$(BIN)/python bench/edge_overhead.py
	$(BIN)/python bench/decision_quality.py
	$(BIN)/python bench/sandbox_users.py
	$(BIN)/python bench/time_to_rollback.py
	$(BIN)/python bench/sigkill_to_stable.py
	$(BIN)/python bench/rehearsal.py

demo-down: bootstrap
	$(BIN)/golive stop

clean: demo-down
	rm -rf .golive .venv
