"""``/healthz``: is this worker doing its job? Healthy when the store answers and a pass of the
loop finished well recently.

"Recently" is ``max_age``: by default five minutes or three poll intervals, whichever is longer, so
one slow or failed pass (a mail server blip) is not an outage, while a loop that is stuck or keeps
failing is. Before the first pass finishes the worker is "starting" and unhealthy: a container's
HEALTHCHECK ``--start-period`` or systemd's patience covers that. The body is small JSON a person can
read; it names no secret and no store address (an error is given by its class name only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, text

from agent.observability.metrics import store_reader
from agent.observability.state import ProcessState

POLL_SECONDS = 30.0  # runner.run_forever's default wait between passes


def default_max_age(poll_seconds: float = POLL_SECONDS) -> timedelta:
    return timedelta(seconds=max(3 * poll_seconds, 300.0))


@dataclass(frozen=True)
class Health:
    ok: bool
    body: dict

    @property
    def status_code(self) -> int:
        return 200 if self.ok else 503


def _iso(at: datetime | None) -> str | None:
    return at.isoformat().replace("+00:00", "Z") if at is not None else None


def check_health(engine: Engine, state: ProcessState, now: datetime, max_age: timedelta | None = None) -> Health:
    """The verdict and its JSON body; ``now`` is the agent's clock (``run --now`` moves it)."""
    max_age = max_age or default_max_age()
    seen = state.snapshot()
    body = {
        "worker": seen.worker,
        "last_tick_at": _iso(seen.last_tick_at),
        "last_tick_ok": seen.last_tick_ok if seen.last_tick_at is not None else None,
        "last_ok_tick_at": _iso(seen.last_ok_tick_at),
        "last_mailbox_sync_at": _iso(seen.last_mailbox_sync_at),
    }
    reason = None
    try:
        with store_reader(engine) as conn:
            conn.execute(text("SELECT 1"))
        body["store"] = "ok"
    except Exception as exc:  # any failure to answer is the verdict, not a crash of the endpoint
        body["store"] = f"unreachable ({type(exc).__name__})"
        reason = "the store does not answer"
    if reason is None:
        if seen.last_ok_tick_at is None:
            reason = "starting: no pass of the loop has finished well yet" if seen.last_tick_at is None \
                else "no pass of the loop has finished well yet"
        elif now - seen.last_ok_tick_at > max_age:
            reason = f"no pass of the loop has finished well in the last {int(max_age.total_seconds())} s"
    body["status"] = "ok" if reason is None else "unhealthy"
    if reason is not None:
        body["reason"] = reason
    return Health(ok=reason is None, body=body)
