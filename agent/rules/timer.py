"""The in-process timer: wake the loop when the next due action falls due (APScheduler 3.11).

Due actions are durable rows in the store; this timer only shortens the wait between ticks so a
reminder leaves at its minute rather than at the next poll. It holds a single one-shot job in
APScheduler's memory job store that sets a ``threading.Event``; losing it (a restart) loses
nothing, because the next tick reads the next due time from the store again.

The agent's clock may differ from the wall clock (``run --now``), so ``wake_at`` takes both the
due time and the agent's "now" and schedules the wake-up after the difference.

    timer = WakeTimer(); timer.start()
    timer.wake_at(rule_queries.next_due_at(conn, now), now)
    app.mailbox.wait(timer.seconds_left(poll_seconds))   # or timer.event.wait(...)
    timer.shutdown()
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

JOB_ID = "mentor-agent-wake"


class WakeTimer:
    def __init__(self) -> None:
        self.event = threading.Event()
        self._scheduler = BackgroundScheduler(timezone=UTC)  # memory job store, one worker thread
        self._wake: datetime | None = None  # wall-clock time of the scheduled wake-up

    def start(self) -> None:
        if not self._scheduler.running:
            self._scheduler.start()

    def wake_at(self, due_at: datetime | None, now: datetime) -> None:
        """Set the event when ``due_at`` (agent time) comes; None clears the wake-up."""
        self.event.clear()
        if due_at is None:
            self._wake = None
            if self._scheduler.get_job(JOB_ID):
                self._scheduler.remove_job(JOB_ID)
            return
        delay = max(due_at - now, timedelta(0))
        self._wake = datetime.now(UTC) + delay
        if delay == timedelta(0):
            self.event.set()
            return
        self._scheduler.add_job(self.event.set, trigger="date", run_date=self._wake, id=JOB_ID,
                                replace_existing=True, misfire_grace_time=None)

    def seconds_left(self, limit: float) -> float:
        """How long the loop may wait: until the wake-up, and never longer than ``limit``."""
        if self.event.is_set():
            return 0.0
        if self._wake is None:
            return limit
        return max(0.0, min(limit, (self._wake - datetime.now(UTC)).total_seconds()))

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
