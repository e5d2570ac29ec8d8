"""One launch per production at a time: a Prefect global concurrency limit of 1, held by the
launch as a lease from pre-flight to its last step.

The server enforces it: a second launch's request for the slot is refused (423) while the
first holds it. The lease is renewed by a thread of the holder's process; when that process
dies (SIGKILL, a lost host) renewals stop and the server's repossessor frees the slot once the
lease runs out (`LEASE_SECONDS`, plus its 15 s loop). Who holds production is written beside
the limit, as a Prefect variable of the same name, so the refusal can say who, since when and
where their run is; the variable is a label only, never the lock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from uuid import UUID

import httpx
from prefect.client.schemas.objects import ConcurrencyLeaseHolder
from prefect.concurrency._asyncio import ConcurrencySlotAcquisitionError
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectNotFound
from prefect.variables import Variable

from tasks.rollback_lock import ensure_limit, lock_name

LEASE_SECONDS = (
    60  # renewed every ~45 s while the launch lives; a dead launch frees production within ~75 s
)
QUEUE_POLL_S = 30  # a queued launch says who it waits for this often
logger = logging.getLogger("golive.lease")


@dataclass(frozen=True)
class Holder:
    release: str
    driver: str
    since: str  # ISO 8601, UTC
    flow_run_id: str
    run_url: str  # the run in the Prefect UI ("" when no UI address is known)

    def describe(self) -> str:
        where = f" ({self.run_url})" if self.run_url else f" (flow run {self.flow_run_id})"
        return f"the launch of {self.release} by {self.driver}, since {self.since}{where}"


class ProductionBusy(Exception):
    def __init__(self, production: str, holder: Holder | None) -> None:
        self.holder = holder
        who = holder.describe() if holder else "a launch that has not said who it is yet"
        super().__init__(
            f"production {production} is held by {who}: one launch per production at a time. "
            "Wait for it to end (or abort it), or launch with queue=true to wait for it"
        )


def lease_name(app: str, distribution_id: str) -> str:
    return lock_name(app, distribution_id, purpose="launch")


def current_holder(name: str) -> Holder | None:
    try:
        value = Variable.get(name, default=None)
    except (ObjectNotFound, ValueError):
        return None
    if not isinstance(value, dict):
        return None
    try:
        return Holder(**{k: str(value.get(k, "")) for k in Holder.__dataclass_fields__})
    except TypeError:
        return None


@contextmanager
def holding_production(
    name: str,
    production: str,
    me: Holder,
    queue: bool = False,
    waiting: Callable[[Holder | None], None] = lambda holder: None,
) -> Iterator[None]:
    """Hold production's slot for the body. Refused at once (ProductionBusy) when another
    launch holds it, unless `queue`: then wait, calling `waiting` with the holder now and then."""
    ensure_limit(name)
    with ExitStack() as stack:
        while True:
            if not queue and slots_taken(name):  # refuse without the client's logged 423
                raise ProductionBusy(production, current_holder(name))
            try:
                stack.enter_context(
                    concurrency(
                        name,
                        occupy=1,
                        timeout_seconds=QUEUE_POLL_S if queue else None,
                        max_retries=None if queue else 0,
                        lease_duration=LEASE_SECONDS,
                        strict=True,
                        holder=ConcurrencyLeaseHolder(type="flow_run", id=UUID(me.flow_run_id)),
                        # a failed renewal (a server blip) warns rather than cancelling a launch
                        # that may be mid-canary: that would roll production back for no cause
                        raise_on_lease_renewal_failure=False,
                    )
                )
                break
            except (TimeoutError, ConcurrencySlotAcquisitionError) as error:
                if not (isinstance(error, TimeoutError) or _locked(error)):
                    raise
                holder = current_holder(name)
                if not queue:
                    raise ProductionBusy(production, holder) from None
                waiting(holder)
        stack.callback(_clear_label, name, me.flow_run_id)
        Variable.set(name, asdict(me), overwrite=True)
        yield


def _clear_label(name: str, flow_run_id: str) -> None:
    try:
        if (held := current_holder(name)) is not None and held.flow_run_id == flow_run_id:
            Variable.unset(name)
    except Exception:  # noqa: BLE001 - a stale label is harmless: the lease is the lock
        logger.warning("could not clear the holder label %s", name, exc_info=True)


def slots_taken(name: str) -> bool:
    """Every slot of the limit is held now (False when there is no such limit yet). A reading,
    not a lock: the server decides when a slot is asked for."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        try:
            limit = client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            return False
    return limit.active_slots >= limit.limit


def _locked(error: BaseException) -> bool:
    """The server refused the slot because it is taken (423), not for another reason."""
    cause = error.__cause__
    return isinstance(cause, httpx.HTTPStatusError) and cause.response.status_code == 423
