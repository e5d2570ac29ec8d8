"""The local stack: the embedded Prefect server, workers and deployments, the demo, the
sandbox approver and the client that finds and resumes paused gates."""
