# A golive worker: the launch's code and what it needs at run time, without the sandbox (moto & co.,
# golive's `sandbox` extra). Build it from the checkout your launches run (plans, example builds):
#   docker build -t golive-worker .
#   docker run -e PREFECT_API_URL=https://prefect.example.com/api golive-worker            # golive-pool
#   docker run -e PREFECT_API_URL=https://prefect.example.com/api golive-worker \
#       prefect worker start --pool golive-rollback-pool                                  # on another host
# AWS credentials come from the task's role (ECS task role, EKS IRSA), or from the plan's
# GoliveEnvironment/AwsCredentials blocks; never bake keys into the image.
# tests/integration/test_worker_install.py runs this file's `uv sync` lines and a health check
# from what they install.
FROM python:3.11-slim

COPY --from=ghcr.io/astral-sh/uv:0.13.10 /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
WORKDIR /opt/golive

# dependencies first (a layer that changes only with uv.lock), then golive itself
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN uv sync --frozen --no-dev

RUN useradd --system --home-dir /opt/golive golive && chown -R golive /opt/golive
USER golive
# GOLIVE_REPO_DIR: where prefect.yaml's pull step runs flows from. The heartbeat lets the server's
# automation mark a launch whose process died as Crashed (automations/launch-heartbeat.yaml).
ENV PATH=/opt/golive/.venv/bin:$PATH \
    GOLIVE_REPO_DIR=/opt/golive \
    GOLIVE_REPORTS_DIR=/opt/golive/.golive/reports \
    PREFECT_FLOWS_HEARTBEAT_FREQUENCY=30
CMD ["prefect", "worker", "start", "--pool", "golive-pool", "--type", "process"]
