"""The sandbox control API: backend and AWS faults, routing view, the simulator's lateness, the
users (sandbox/users.py), reset. The CLI, the tests and the benchmarks use it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.aws_fault_rules import AwsFault, AwsFaultBook
from sandbox.faults import TARGETS, Fault, FaultBook
from sandbox.releases import release_of
from sandbox.routers import ROUTERS
from sandbox.timing import Lateness
from sandbox.users import UserLoad, UserTraffic
from sandbox.watcher import RoutingWatcher


def create_control(
    faults: FaultBook,
    aws_faults: AwsFaultBook,
    watcher: RoutingWatcher,
    reset_world: Callable[[], None],
    lateness: Lateness | None = None,
    users: UserTraffic | None = None,
) -> Starlette:
    lateness = lateness or Lateness()

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def state(request: Request) -> Response:
        snapshot = watcher.snapshot
        return JSONResponse(
            {
                "router": snapshot.router,
                "weights": snapshot.weights,
                "staging_origins": snapshot.staging.origins,
                "production_origins": snapshot.production.origins,
                # what the sites serve (the default behaviour's origin) and what each API slot runs
                "site_releases": {
                    "staging": release_of(snapshot.staging.origin_path_for("/")),
                    "production": release_of(snapshot.production.origin_path_for("/")),
                },
                "releases": snapshot.api_releases,
                "read_at": snapshot.read_at,
                "problem": snapshot.problem,  # routing the watcher could not read; the weights are the last it could
                "faults": [f.model_dump() for f in faults.list()],
                "aws_faults": [r.model_dump() for r in aws_faults.rules()],
            }
        )

    async def set_fault(request: Request) -> Response:
        try:
            fault = Fault.model_validate(await request.json())
        except (ValidationError, ValueError) as error:
            return JSONResponse({"error": "invalid fault", "detail": str(error)}, status_code=422)
        faults.set(fault)
        return JSONResponse(fault.model_dump())

    async def clear_faults(request: Request) -> Response:
        target = request.query_params.get("target")
        if target is not None and target not in TARGETS:
            return JSONResponse(
                {"error": f"unknown target {target!r}", "expected": list(TARGETS)}, status_code=422
            )
        faults.clear(target)
        return JSONResponse({"ok": True})

    async def add_aws_fault(request: Request) -> Response:
        try:
            rule = AwsFault.model_validate(await request.json())
        except (ValidationError, ValueError) as error:
            return JSONResponse(
                {"error": "invalid AWS fault", "detail": str(error)}, status_code=422
            )
        return JSONResponse(aws_faults.add(rule).model_dump())

    async def list_aws_faults(request: Request) -> Response:
        return JSONResponse(
            {
                "rules": [r.model_dump() for r in aws_faults.rules()],
                "calls": [c.model_dump() for c in aws_faults.calls()],
            }
        )

    async def clear_aws_faults(request: Request) -> Response:
        aws_faults.clear()
        return JSONResponse({"ok": True})

    async def set_router(request: Request) -> Response:
        kind = (await request.json()).get("kind")
        if kind not in ROUTERS:
            return JSONResponse(
                {"error": f"kind: unknown router {kind!r}", "expected": list(ROUTERS)},
                status_code=422,
            )
        watcher.router = kind
        await asyncio.to_thread(watcher.refresh)
        return JSONResponse({"router": kind})

    async def timing(request: Request) -> Response:
        if request.method == "DELETE":
            lateness.clear()
            return JSONResponse({"ok": True})
        return JSONResponse(lateness.summary())

    async def user_traffic(request: Request) -> Response:
        if users is None:
            return JSONResponse({"error": "this sandbox has no user traffic"}, status_code=404)
        if request.method == "POST":
            try:
                given = await request.json()
                load = UserLoad(
                    float(given["rate"]),
                    float(given.get("duration_s", 600)),
                    int(given.get("concurrency", 64)),
                )
            except (KeyError, TypeError, ValueError) as error:
                detail = f"missing {error}" if isinstance(error, KeyError) else str(error)
                return JSONResponse({"error": "invalid users", "detail": detail}, status_code=422)
            await asyncio.to_thread(users.start, load)
        elif request.method == "DELETE":
            await asyncio.to_thread(users.stop)
        return JSONResponse(users.status())

    async def reset(request: Request) -> Response:
        await asyncio.to_thread(reset_world)
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/health", health),
            Route("/state", state),
            Route("/faults", set_fault, methods=["POST"]),
            Route("/faults", clear_faults, methods=["DELETE"]),
            Route("/aws-faults", add_aws_fault, methods=["POST"]),
            Route("/aws-faults", list_aws_faults, methods=["GET"]),
            Route("/aws-faults", clear_aws_faults, methods=["DELETE"]),
            Route("/router", set_router, methods=["POST"]),
            Route(
                "/timing", timing, methods=["GET", "DELETE"]
            ),  # how late simulated answers left, per endpoint
            Route("/users", user_traffic, methods=["GET", "POST", "DELETE"]),
            Route("/reset", reset, methods=["POST"]),
        ]
    )
