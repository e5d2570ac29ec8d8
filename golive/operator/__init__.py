"""The operator's side of golive on any Prefect API: set a workspace up (`setup.py`), say what a real
launch still lacks (`doctor.py`), and start, follow, abort and list launches and rollbacks
(`runs.py`). Used by the CLI and by the local stack; imports neither."""
