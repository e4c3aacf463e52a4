"""``mentor-agent meeting ACTION --pair MENTEE_EMAIL ...``: an administrator changes a pair's meetings.

The same changes a participant can ask for by email (``agent.flows.plan``), applied at once:
administrators are trusted, so there is no confirmation round. The calendar is updated, iMIP and a
note go to both people through the outbox (delivered by the running agent or the next
``run --once``), an audit row is written, and what changed is printed in both people's zones.
A time that does not fit both, or a request that cannot be read, is a clear message and exit 2;
``--dry-run`` prints the plan and changes nothing.
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

ACTIONS = ("reschedule", "skip", "pause", "resume", "cadence", "end")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``meeting`` subcommand's arguments (kept here, light to import: the CLI's --help imports it)."""
    p.add_argument("action", choices=ACTIONS)
    p.add_argument("--pair", metavar="MENTEE_EMAIL", required=True)
    p.add_argument("--date", metavar="YYYY-MM-DD", help="the meeting's date (skip, reschedule) or the first day "
                                                       "without meetings (end), in --zone")
    p.add_argument("--to", metavar="YYYY-MM-DD HH:MM", help="reschedule: the new start, in --zone")
    p.add_argument("--zone", metavar="IANA", help="zone of --date/--to/--until (default: the mentee's)")
    p.add_argument("--weeks", type=int, metavar="N", help="pause: for N weeks")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="pause: until this day (meetings resume that day)")
    p.add_argument("--cadence", metavar='"every 2 weeks"', help="cadence: weekly, every 2|3|4 weeks")
    p.add_argument("--now", metavar="ISO-8601", help="the clock (default: now)")
    p.add_argument("--dry-run", action="store_true", help="print what would change; change nothing")


def _usage(message: str):
    from agent.errors import ConfigError, Problem

    return ConfigError([Problem("meeting", 1, message, "see mentor-agent meeting --help")])


def _day(text: str, flag: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _usage(f"{flag} {text!r} is not a date (YYYY-MM-DD)") from None


def plan_for(ctx, args, zone: str):
    """The plan for the command line's action (``agent.flows.plan``)."""
    from agent.flows import plan

    tz = ZoneInfo(zone)
    if args.action == "reschedule":
        if not args.to:
            raise _usage("reschedule needs --to \"YYYY-MM-DD HH:MM\"")
        try:
            new = datetime.fromisoformat(args.to.strip().replace(" ", "T")).replace(tzinfo=tz)
        except ValueError:
            raise _usage(f"--to {args.to!r} is not \"YYYY-MM-DD HH:MM\"") from None
        old = None
        if args.date:
            day = _day(args.date, "--date")
            old = next((m.starts_at for m in ctx.upcoming() if m.starts_at.astimezone(tz).date() == day), None)
            if old is None:
                return plan.Question(f"there is no upcoming meeting on {day} ({zone})")
        return plan.reschedule(ctx, new, old=old)
    if args.action == "skip":
        if not args.date:
            raise _usage("skip needs --date YYYY-MM-DD")
        return plan.skip(ctx, _day(args.date, "--date"), zone)
    if args.action == "pause":
        if args.until:
            until = _day(args.until, "--until")
        elif args.weeks:
            until = ctx.now.astimezone(tz).date() + timedelta(weeks=args.weeks)
        else:
            raise _usage("pause needs --weeks N or --until YYYY-MM-DD")
        return plan.pause(ctx, until, zone)
    if args.action == "resume":
        return plan.resume(ctx)
    if args.action == "cadence":
        if not args.cadence:
            raise _usage('cadence needs --cadence "weekly" | "every 2 weeks" | "every 3 weeks" | "every 4 weeks"')
        return plan.cadence(ctx, args.cadence)
    return plan.end(ctx, _day(args.date, "--date") if args.date else None, zone)


def describe(ctx, change) -> list[str]:
    """What the change does, each instant for the mentee and the mentor in their own zones."""
    from agent.flows.context import at
    from agent.timefmt import local_time

    def both(text: str) -> str:
        return "; ".join(f"{p.first_name}: {local_time(at(text), p, locale='en')}" for p in ctx.people)

    p = change.payload
    lines = [f"{change.kind} for {ctx.pair.key}"]
    for key in ("old", "new", "start"):
        if p.get(key):
            lines.append(f"  {key}: {both(p[key])}")
    lines += [f"  - {both(s)}" for s in p.get("starts", [])]
    if p.get("until"):
        lines.append(f"  meetings resume on {p['until']} ({p['zone']})")
    if p.get("cadence"):
        lines.append(f"  new rhythm: {p['cadence']}")
    lines += [f"  note: {n}" for n in change.notes]
    return lines


def meeting(args: argparse.Namespace) -> int:
    from agent.bootstrap import build_app
    from agent.commands.common import load_program, parse_now
    from agent.flows import apply, plan
    from agent.flows.context import Ctx
    from agent.flows.overrides import load_into
    from agent.store import repo

    program = load_program(args.config, quiet_warnings=True)
    pair = program.roster.pair_of(args.pair.strip().lower())
    if pair is None or pair.mentee != args.pair.strip().lower():
        raise _usage(f"{args.pair} is no mentee in the roster (--pair takes the mentee's address)")
    now = parse_now(args.now) or datetime.now(UTC)
    app = build_app(program)
    try:
        with app.engine.begin() as conn:
            load_into(app, conn)
            row = repo.pair_row(conn, pair.key)
            if row is None or row.status not in ("booked",):
                raise _usage(f"{pair.key} has no booked meetings (status: {row.status if row else 'not started'})")
            ctx = Ctx(app, conn, pair, now)
            zone = args.zone or ctx.mentee.timezone
            try:
                ZoneInfo(zone)
            except Exception:
                raise _usage(f"--zone {zone!r} is not an IANA time zone") from None
            result = plan_for(ctx, args, zone)
            if isinstance(result, plan.Question):
                raise _usage(result.text)
            if isinstance(result, plan.NoFit):
                options = "; ".join(f"{a:%Y-%m-%d %H:%M}Z" for a in result.alternatives) or "none nearby"
                raise _usage(f"{result.proposed:%Y-%m-%d %H:%M}Z does not fit both: {'; '.join(result.reasons)}. "
                             f"Times that fit both: {options}")
            lines = describe(ctx, result)
            if args.dry_run:
                print("\n".join(["dry run: nothing changed", *lines]))  # planning writes nothing
                return 0
            done = apply.apply_change(ctx, result.kind, result.payload, by=None,
                                      occasion=f"admin:{pair.key}:{result.kind}:{now.isoformat()}")
        print("\n".join([done, *lines, "mail to both is queued; the running agent (or run --once) delivers it"]))
        return 0
    finally:
        app.close()

