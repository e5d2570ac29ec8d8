"""`python -m golive.cli ...`: the same command line as the `golive` script."""

from golive.cli.main import app

app()
