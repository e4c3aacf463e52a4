"""Carry out a rule that fired, and gather the facts rules are evaluated on.

``fire`` is the one place where a rule decision becomes effects: the decision is recorded first
(``rule_firings``, unique per rule, pair and occasion), so a rule whose occasion was decided before
does nothing at all — that is "each rule fires once per occasion", across restarts and workers.
Sending goes through ``agent.messenger`` with the rule's quiet hours, to the recipients the decision
kept (``weekday`` is checked in each recipient's zone).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from agent.app import App
from agent.domain.model import WEEKDAYS, Pair
from agent.messenger import Thread, send_template
from agent.rules.engine import PairFacts, decide
from agent.rules.freshness import mark_changed
from agent.rules.model import Rule
from agent.store import repo, rule_queries

log = logging.getLogger(__name__)


def pair_facts(conn: Connection, pair: Pair, now: datetime, *, meeting_at: datetime | None = None,
               sender_role: str | None = None, text: str = "", owner_roles: tuple[str, ...] = (),
               only_roles: frozenset[str] | None = None) -> PairFacts:
    """Facts about a pair at ``now``; ``meeting_at`` names the meeting a timed rule is about."""
    meetings = repo.occurrences_of(conn, pair.key)
    starts = [m.starts_at for m in meetings]
    reference = meeting_at or next((s for s in starts if s > now), None)
    previous = max((s for s in starts if reference is None or s < reference), default=None)
    if reference is not None and reference <= now:  # a meeting already held: notes are about it
        notes_since = reference
    else:
        notes_since = max((s for s in starts if s <= now), default=None)
    phase_of_series = {item.uid: item.phase + 1 for item in repo.series_of(conn, pair.key)}
    phase = next((phase_of_series.get(m.series_uid, 1) for m in meetings if m.starts_at == reference), 1)
    # notes_since None: no meeting held yet, so no notes count (the query's answer is ignored)
    flags, agenda_received, notes_received = repo.pair_state(conn, pair.key, previous, notes_since)
    return PairFacts(
        meeting_count=sum(1 for s in starts if s <= now),
        agenda_received=agenda_received,
        notes_received=notes_since is not None and notes_received,
        flags=frozenset(flags),
        cadence_phase=phase,
        sender_role=sender_role,
        pair_age_days=(now.date() - pair.start).days,
        text=text,
        owner_roles=owner_roles,
        only_roles=only_roles,
    )


@dataclass(frozen=True)
class Fired:
    """What ``fire`` did: whether the rule acted, and the addresses it queued mail for. True when it acted."""

    acted: bool
    queued: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.acted


NOT_ACTED = Fired(False)


def local_weekdays(app: App, pair: Pair, now: datetime) -> dict[str, str]:
    """The weekday it is now for the mentee, the mentor and the administrators, each in their zone."""
    people = app.roster.participants
    zones = dict(mentee=people[pair.mentee].zone, mentor=people[pair.mentor].zone,
                 admins=ZoneInfo(app.config.program.timezone))
    return {role: WEEKDAYS[now.astimezone(zone).weekday()] for role, zone in zones.items()}


def fire(
    app: App,
    conn: Connection,
    rule: Rule,
    pair: Pair,
    *,
    occasion: str,
    facts: PairFacts,
    now: datetime,
    sender: str | None = None,
    extra: Mapping[str, object] | None = None,
    thread: Thread | None = None,
    never_answer: bool = False,
) -> Fired:
    """Decide, record the decision, and act if it fired and was not decided before (``Fired``, true if it acted)."""
    if not facts.weekdays:
        facts = dataclasses.replace(facts, weekdays=local_weekdays(app, pair, now))
    decision = decide(rule, facts)
    if not repo.record_firing(conn, rule=rule.name, pair_key=pair.key, occasion=occasion, fired=decision.fired,
                              reason=decision.reason, now=now):
        return NOT_ACTED
    log.debug("rule %s for %s on %s: %s (%s)", rule.name, pair.key, occasion,
              "fired" if decision.fired else "missed", decision.reason)
    if not decision.fired:
        return NOT_ACTED
    reason = f"rule {rule.name} ({rule.file}:{rule.line}): {decision.reason}"
    if rule.action in ("send", "escalate"):
        # RFC 3834: an automatic message is never answered, so its sender is left out.
        exclude = frozenset({sender}) if never_answer and sender else frozenset()
        # how often this rule acted before for the pair: templates rotate prompts with it (counted
        # only for templates that can use it: one query less for every other message)
        rotation = rule_queries.times_fired(conn, rule.name, pair.key) - 1 \
            if app.templates.mentions(rule.template, "rotation") else 0
        queued = send_template(app, conn, template=rule.template, audience=rule.to, pair=pair,
                               occasion=f"rule:{rule.name}:{pair.key}:{occasion}", now=now, reason=reason,
                               rule=rule.name, sender=sender, extra=dict(extra or {}, rotation=rotation),
                               thread=thread, exclude=exclude, roles=frozenset(decision.roles),
                               quiet=app.program.rules.quiet_for(rule))
        return Fired(True, tuple(queued))
    elif rule.action in ("set_flag", "clear_flag"):
        flags = set(repo.pair_row(conn, pair.key).flags)
        flags = flags | {rule.flag} if rule.action == "set_flag" else flags - {rule.flag}
        repo.set_flags(conn, pair.key, sorted(flags))
        mark_changed(app, pair.key)  # flag conditions decide which timed actions are derived
        verb = "set" if rule.action == "set_flag" else "cleared"
        repo.audit(conn, at=now, action=f"{verb} flag {rule.flag}", reason=reason, pair_key=pair.key, rule=rule.name)
    elif rule.action in ("book", "skip", "propose"):
        from agent.meeting_actions import apply  # it books, and booking fires rules: imported late

        done = apply(app, conn, rule, pair, occasion=occasion, now=now, reason=reason)
        repo.audit(conn, at=now, action=rule.action, reason=f"{reason}: {done}", pair_key=pair.key, rule=rule.name)
    else:  # file: the handler has filed what the message carried; the decision is recorded
        repo.audit(conn, at=now, action=rule.action, reason=reason, pair_key=pair.key, rule=rule.name)
    return Fired(True)
