"""The sandbox process: moto (as a child process) plus the AWS fault proxy in front of it,
the simulator, edges, chat sink and control API served from one event loop (uvloop). Started
detached by `golive sandbox up`.

It binds every port itself before it announces them (no port races with a second
sandbox), seeds moto, then writes `state.json` with `ready: true`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn
import uvloop

from sandbox.alb_metrics import AlbMetrics
from sandbox.apps import simulated_app
from sandbox.asgi import StampedHttpToolsProtocol
from sandbox.aws import client
from sandbox.aws_fault_rules import AwsFaultBook
from sandbox.aws_faults import create_aws_proxy, moto_client
from sandbox.backend import Backend, backend_app
from sandbox.chat import ChatLog, create_chat_sink
from sandbox.cloudfront_cd import ContinuousDeployment
from sandbox.control import create_control
from sandbox.edge import create_edge
from sandbox.edge_cache import EdgeCache
from sandbox.envfile import write_env_file
from sandbox.faults import FaultBook
from sandbox.prometheus import start_prometheus
from sandbox.prometheus import stop as stop_prometheus
from sandbox.seed import seed_world
from sandbox.slots import SLOT_TASKS
from sandbox.spec import WorldSpec
from sandbox.timing import Lateness
from sandbox.users import UserLoad, UserTraffic
from sandbox.watcher import RoutingWatcher

log = logging.getLogger("golive.sandbox")
SERVICES = (
    "staging_backend",
    "stable_backend",
    "canary_backend",
    "staging_edge",
    "production_edge",
    "chat",
    "control",
    "aws",
)
# The probe's path (edges, backends) runs on uvicorn's C parser: under load the pure-Python h11
# parser is time the client measures. The others keep h11, as they were tested.
HOT_PATH = (
    "staging_backend",
    "stable_backend",
    "canary_backend",
    "staging_edge",
    "production_edge",
)
# the proxy passes moto's own Date and Server headers through rather than adding uvicorn's
SERVER_OPTIONS: dict[str, dict[str, Any]] = {"aws": {"server_header": False, "date_header": False}}


class _Server(uvicorn.Server):
    """uvicorn servers share one loop here; the daemon owns the signals, not each server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind_loopback() -> socket.socket:
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets whose proto says TCP,
    # and without it keep-alive responses stall 40 ms on delayed ACKs.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    sock.set_inheritable(False)
    return sock


# moto runs no containers: it counts a new ECS service's tasks as running when told to, as a
# healthy service's would be (so the services-stable waiter golive uses sees a steady service).
MOTO_ENV = {**os.environ, "MOTO_ECS_SERVICE_RUNNING": str(SLOT_TASKS)}


def start_moto(state_dir: Path, attempts: int = 5) -> tuple[subprocess.Popen[bytes], str]:
    """moto picks no port itself; reserve one, release it, start moto on it, retry on a clash."""
    log_file = open(state_dir / "moto.log", "ab")
    for _ in range(attempts):
        probe = bind_loopback()
        port = probe.getsockname()[1]
        probe.close()
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=MOTO_ENV,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"{url}/moto-api/", timeout=1).status_code < 500:
                    return process, url
            except httpx.HTTPError:
                time.sleep(0.1)
        process.kill()
        process.wait()
    raise RuntimeError("moto server did not start; see moto.log")


def write_state(state_dir: Path, state: dict[str, Any]) -> None:
    tmp = state_dir / "state.json.tmp"
    tmp.write_text(json.dumps(state, indent=2))
    os.replace(tmp, state_dir / "state.json")


async def serve(spec: WorldSpec, state_dir: Path) -> None:
    moto, moto_url = start_moto(state_dir)
    prometheus: subprocess.Popen[bytes] | None = None
    users: UserTraffic | None = None
    try:
        ids = seed_world(spec, moto_url)
        faults = FaultBook()
        lateness = (
            Lateness()
        )  # how late simulated answers leave: the sandbox's share of what clients measure
        aws_faults = AwsFaultBook()
        moto_http = moto_client(moto_url)
        simulated = simulated_app(spec.api)  # the API the backends simulate, and its stores
        staging_store, production_store = simulated.new_store(), simulated.new_store()
        chat_log = ChatLog()
        chat_token = secrets.token_urlsafe(18)  # the webhook URL's secret part, as a Slack hook has
        watcher = RoutingWatcher(spec, ids, moto_url)
        # CloudFront continuous deployment, which moto lacks; `continuous_deployment.split_for` is the edge's view
        continuous_deployment = ContinuousDeployment(client("cloudfront", moto_url, spec.region))
        # the ALB's CloudWatch metrics, which moto lacks: the production edge's answers per target group
        alb = ids.routers["alb"]
        alb_metrics = AlbMetrics(
            alb["load_balancer_arn"],
            {"stable": alb["stable_target_group_arn"], "canary": alb["canary_target_group_arn"]},
        )

        def on_api_answer(version: str, status: int, seconds: float) -> None:
            if watcher.snapshot.router == "alb":  # the load balancer forwards only while it routes
                alb_metrics.observe(version, status, seconds)

        sockets = {name: bind_loopback() for name in SERVICES}
        urls = {name: f"http://127.0.0.1:{sock.getsockname()[1]}" for name, sock in sockets.items()}
        # a real Prometheus scraping the three backends (each its own target, as each slot's tasks are)
        started = start_prometheus(
            state_dir,
            {
                slot: urls[f"{slot}_backend"].removeprefix("http://")
                for slot in ("staging", "stable", "canary")
            },
        )
        if started is not None:
            prometheus, urls["prometheus"] = started
        users = (
            UserTraffic(urls["production_edge"], spec.api, state_dir)
            if simulated.users is not None
            else None
        )

        def reset_world() -> None:
            if users is not None:
                users.stop()  # a reset world has no one on it until asked again
            continuous_deployment.reset()  # first: seeding keeps what else a distribution's config holds
            seed_world(spec, moto_url)
            faults.clear()
            aws_faults.clear()
            staging_store.reset()
            production_store.reset()
            chat_log.clear()
            lateness.clear()
            alb_metrics.clear()
            watcher.refresh()
            for cache in distributions.values():
                cache.clear()
            for distribution_id in set(distributions) - set(seeded):
                distributions.pop(distribution_id, None)  # the reset deleted the staging copies

        s3 = client("s3", moto_url, spec.region)
        caches = {"staging": EdgeCache(s3, spec.bucket), "production": EdgeCache(s3, spec.bucket)}
        seeded = {  # CreateInvalidation's id -> that distribution's edge cache
            ids.staging_distribution_id: caches["staging"],
            ids.production_distribution_id: caches["production"],
        }
        distributions = dict(seeded)

        def cache_of(distribution_id: str) -> EdgeCache:
            """A distribution's edge cache; a staging copy's is made when first used."""
            cache = distributions.get(distribution_id)
            if cache is None:
                cache = distributions.setdefault(distribution_id, EdgeCache(s3, spec.bucket))
            return cache

        backends = {
            name: Backend(
                name,
                store,
                faults,
                spec.version_header,
                spec.release_header,
                release=lambda name=name: watcher.snapshot.api_releases.get(name, "unknown"),
                lateness=lateness,
                app=simulated,
                slot_label=spec.slot_names.get(name, name),  # type: ignore[call-overload]
            )
            for name, store in (
                ("staging", staging_store),
                ("stable", production_store),
                ("canary", production_store),
            )
        }
        apps = {
            "staging_backend": backend_app(backends["staging"]),
            "stable_backend": backend_app(backends["stable"]),
            "canary_backend": backend_app(backends["canary"]),
            "staging_edge": create_edge(
                "staging", watcher, {"staging": backends["staging"]}, faults, caches["staging"]
            ),
            "production_edge": create_edge(
                "production",
                watcher,
                {"stable": backends["stable"], "canary": backends["canary"]},
                faults,
                caches["production"],
                split_of=lambda: continuous_deployment.split_for(ids.production_distribution_id),
                cache_of=cache_of,
                on_api_answer=on_api_answer,
            ),
            "chat": create_chat_sink(chat_log, chat_token),
            "control": create_control(faults, aws_faults, watcher, reset_world, lateness, users),
            "aws": create_aws_proxy(
                moto_http,
                aws_faults,
                lambda: asyncio.to_thread(watcher.refresh),
                lambda dist_id, paths: cache_of(dist_id).invalidate(paths),
                continuous_deployment,
                alb_metrics,
            ),
        }
        servers = {
            name: _Server(
                uvicorn.Config(
                    app,
                    log_level="warning",
                    lifespan="off",
                    access_log=False,
                    proxy_headers=False,
                    timeout_keep_alive=30,
                    backlog=1024,
                    http=StampedHttpToolsProtocol if name in HOT_PATH else "h11",
                    **SERVER_OPTIONS.get(name, {}),
                )
            )
            for name, app in apps.items()
        }
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(
                signum, lambda: [setattr(s, "should_exit", True) for s in servers.values()]
            )
        watcher.start()
        tasks = [
            asyncio.create_task(servers[name].serve(sockets=[sockets[name]])) for name in SERVICES
        ]
        while not all(s.started for s in servers.values()):
            if any(t.done() for t in tasks):
                raise RuntimeError("a sandbox server failed to start")
            await asyncio.sleep(0.05)
        # A full collection walks every object this process holds (botocore's service models, the
        # boto3 clients, the apps): 140-240 ms measured under load, in which nothing is served.
        # What start-up made lives as long as the process: take it out of the collector's way.
        gc.collect()
        gc.freeze()
        state = {
            "pid": os.getpid(),
            "pgid": os.getpgid(0),
            "moto_pid": moto.pid,
            "ready": True,
            "started_at": time.time(),
            "spec": spec.model_dump(),
            "ids": ids.as_dict(),
            "urls": {**urls, "moto": moto_url},
        }
        write_env_file(state_dir / "sandbox.env", spec, ids, state["urls"], chat_token)
        write_state(state_dir, state)
        log.info("sandbox ready: %s", state["urls"])
        if users is not None and spec.users_rate:
            users.start(UserLoad(spec.users_rate, spec.users_duration_s))
        await asyncio.gather(*tasks)
        watcher.stop()
        await moto_http.aclose()
    finally:
        if users is not None:
            users.stop()
        if prometheus is not None:
            stop_prometheus(prometheus)
        moto.terminate()
        try:
            moto.wait(timeout=5)
        except subprocess.TimeoutExpired:
            moto.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="golive sandbox process (use `golive sandbox up`)")
    parser.add_argument("--state-dir", required=True, type=Path)
    parser.add_argument(
        "--spec", type=Path, help="JSON WorldSpec; defaults to the sandbox plan's world"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # one line per proxied AWS call (with its query, e.g. a presigned URL's) is noise, and not for a log
    logging.getLogger("httpx").setLevel(logging.WARNING)
    spec = WorldSpec.model_validate_json(args.spec.read_text()) if args.spec else WorldSpec()
    log.info("simulating %s (%s)", spec.app, simulated_app(spec.api).title)
    args.state_dir.mkdir(parents=True, exist_ok=True)
    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(serve(spec, args.state_dir))
    except Exception:
        log.exception("sandbox failed")
        write_state(args.state_dir, {"pid": os.getpid(), "ready": False, "failed": True})
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
