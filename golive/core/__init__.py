"""golive's pure core: judgement, the canary policy, checks, messages, reports, summaries.

Data in, data out: it imports only the plan model (`blocks/`), never `tasks/`, `flows/`,
the CLI, the local stack or the sandbox (`tests/unit/test_layers.py`).
"""
