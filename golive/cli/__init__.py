"""The `golive` command line (`main.py` mounts one module per command group)."""

from golive.cli.main import app

__all__ = ["app"]
