"""Benchmark cancelling meetings of one stored series (skip, pause, out-of-office) against the old path.

    python benchmarks/cancel.py [--repeat 200] [--weeks 26]

The stored series is what the program keeps after a while: a weekly REQUEST in Europe/Berlin over
``--weeks`` weeks (VTIMEZONE across two years' DST changes), two attendees and one rescheduled
meeting (an override VEVENT). For 2 and 5 cancelled meetings it times:

* new: ``ical_edit.cancelled`` (one parse of the series, one CANCEL with a VEVENT per RECURRENCE-ID,
  the stored copy serialised once), what ``apply._cancel`` now does per series;
* baseline: the old composition per meeting (``recurrence_of`` + ``cancel_from_request`` +
  ``with_exdate``) then ``merge``, which parsed the series three times per meeting.

Both are checked to give the same bytes first. Times are this process's CPU time per call, best of
five rounds of ``--repeat`` calls. Last line: ``RESULT cancel_ms=<new, 5 meetings> baseline=<old, 5
meetings> ratio=<baseline / new>`` (ratio > 1: the new path is faster).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from cancel_reference import moved, series  # noqa: E402
from cancel_reference import old_cancel as reference_cancel  # noqa: E402

from agent.flows import ical_edit  # noqa: E402

STAMP = datetime(2026, 11, 30, 9, tzinfo=UTC)


def stored_series(weeks: int) -> tuple[bytes, list[datetime]]:
    ics, starts = series("Europe/Berlin", datetime(2026, 12, 7, 18), weeks, dtstamp=STAMP)
    later = starts[3] + timedelta(days=1)
    return moved(ics, starts[3], later, dtstamp=STAMP), [*starts[:3], later, *starts[4:]]


def old_cancel(stored: bytes, starts: list[datetime], sequence: int) -> tuple[bytes, bytes]:
    return reference_cancel(stored, starts, sequence=sequence, dtstamp=STAMP)


def new_cancel(stored: bytes, starts: list[datetime], sequence: int) -> tuple[bytes, bytes]:
    return ical_edit.cancelled(stored, starts, sequence=sequence, dtstamp=STAMP)


def per_call_ms(fn, stored: bytes, starts: list[datetime], repeat: int) -> float:
    best = float("inf")
    for _ in range(5):
        began = time.process_time()
        for _ in range(repeat):
            fn(stored, starts, 2)
        best = min(best, time.process_time() - began)
    return best / repeat * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=26)
    args = parser.parse_args()
    stored, starts = stored_series(args.weeks)
    print(f"stored series: {len(stored)} bytes, {args.weeks} weeks, one override")
    figures = {}
    for count in (2, 5):
        chosen = starts[2:2 + count]  # includes the moved meeting
        if new_cancel(stored, chosen, 2) != old_cancel(stored, chosen, 2):
            raise SystemExit(f"bytes differ for {count} meetings")
        new, old = per_call_ms(new_cancel, stored, chosen, args.repeat), per_call_ms(old_cancel, stored, chosen,
                                                                                      args.repeat)
        figures[count] = new, old
        print(f"{count} meetings: new {new:.2f} ms  old {old:.2f} ms  speed-up x{old / new:.1f}")
    new, old = figures[5]
    print(f"RESULT cancel_ms={new:.2f} baseline={old:.2f} ratio={old / new:.1f}")


if __name__ == "__main__":
    main()
