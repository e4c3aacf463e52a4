"""Benchmark the overlap engine: plan random pairs over 26 weeks, check a sample with the oracle.

    python benchmarks/scheduling.py [--pairs 10000] [--weeks 26] [--oracle-sample 50] [--seed 1]

Pairs get random IANA zones (all of zoneinfo's), office-like hours with random stretch hours,
random countries for holidays, random start dates in 2026-2028 and a few busy times. The sample is
re-planned by the brute-force oracle (tests/property/oracle.py, minute by minute with zoneinfo),
which also checks every occurrence the engine proposed. The last line is
``RESULT pairs_per_s=... oracle_pairs_per_s=... ratio=...`` (ratio = engine speed / oracle speed).
Rates use this process's CPU time (one core), so other load on the machine does not skew them.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "property")]

from oracle import find_full_slot, occurrence_ok  # noqa: E402

from agent.domain.model import NoSlot, Participant, Role, SeriesPlan  # noqa: E402
from agent.ports import BusyTime  # noqa: E402
from agent.scheduling.hours import parse_hours  # noqa: E402
from agent.scheduling.overlap import plan_series  # noqa: E402

COUNTRIES = [None, None, None, ("US", "CA"), ("DE", "BY"), ("GB", None), ("AU", "NSW"), ("IN", None), ("BR", None)]


def random_person(rng: random.Random, zones: list[str], role: Role, name: str) -> Participant:
    start = rng.choice([7, 8, 8, 9, 9, 10])
    days = rng.choice(["Mon-Fri", "Mon-Fri", "Sun-Thu", "Mon-Thu"])
    hours = [f"{days} {start:02d}:{rng.choice(['00', '30'])}-{start + rng.choice([7, 8, 9]):02d}:00"]
    stretch = [f"{days} {start - 2:02d}:00-{start:02d}:00", f"{days} 17:00-21:00"] if rng.random() < 0.6 else None
    where = rng.choice(COUNTRIES)
    return Participant(f"{name}@example.org", name, role, rng.choice(zones), parse_hours(hours),
                       parse_hours(stretch) if stretch else None, where and where[0], where and where[1])


def random_case(rng: random.Random, zones: list[str], weeks: int) -> dict:
    start = date(2026, 1, 1) + timedelta(days=rng.randrange(3 * 365))
    base = datetime(start.year, start.month, start.day, tzinfo=UTC)
    busy = []
    for _ in range(rng.randrange(5)):
        at = base + timedelta(minutes=30 * rng.randrange(weeks * 7 * 48))
        busy.append(BusyTime(at, at + timedelta(minutes=30 * rng.randrange(1, 5))))
    return dict(first=random_person(rng, zones, Role.MENTEE, "mentee"), second=random_person(rng, zones, Role.MENTOR, "mentor"),
                minutes=rng.choice([30, 45, 60]), first_day=start, weeks=weeks, busy=busy,
                accommodate=rng.choice(["mentee", "mentor", "alternate"]))


def oracle_check(case: dict, plan) -> bool:
    """True when the oracle agrees with the engine's answer for this case."""
    people, minutes = (case["first"], case["second"]), case["minutes"]
    full = find_full_slot(people, minutes, case["first_day"], case["weeks"], 1, case["busy"], ("ext", "ext"))
    if isinstance(plan, NoSlot):
        return full is None
    zone = ZoneInfo(plan.tzid)
    valid = all(occurrence_ok(o.astimezone(zone), minutes, people, ("ext", "ext"), case["busy"]) for o in plan.occurrences)
    return valid and (full is None or all(
        occurrence_ok(e, minutes, people, ("ext", "ext"), case["busy"], holidays=False) for e in plan.exdates))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10000)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--oracle-sample", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    zones = sorted(available_timezones())
    cases = [random_case(rng, zones, args.weeks) for _ in range(args.pairs)]

    began = time.process_time()
    results = [plan_series(**case) for case in cases]
    engine_seconds = time.process_time() - began
    again = time.process_time()
    for case in cases[: min(len(cases), 2000)]:
        plan_series(**case)
    warm_rate = min(len(cases), 2000) / (time.process_time() - again)

    sample = rng.sample(range(len(cases)), min(args.oracle_sample, len(cases)))
    began = time.process_time()
    agreed = sum(oracle_check(cases[i], results[i]) for i in sample)
    oracle_seconds = time.process_time() - began

    plans = [r for r in results if isinstance(r, SeriesPlan)]
    rate, oracle_rate = len(cases) / engine_seconds, len(sample) / oracle_seconds
    print(f"pairs planned: {len(cases)} over {args.weeks} weeks in {engine_seconds:.2f} s "
          f"(cold caches, {len(zones)} zones): {rate:.0f} pairs/s; warm: {warm_rate:.0f} pairs/s")
    print(f"series found: {len(plans)}, no slot: {len(cases) - len(plans)}, "
          f"with exceptions: {sum(bool(p.exdates) for p in plans)}, occurrences: {sum(len(p.occurrences) for p in plans)}")
    print(f"oracle: {len(sample)} pairs in {oracle_seconds:.2f} s, agreed on {agreed}/{len(sample)}")
    print(f"RESULT pairs_per_s={rate:.0f} oracle_pairs_per_s={oracle_rate:.2f} ratio={rate / oracle_rate:.0f}")


if __name__ == "__main__":
    main()
