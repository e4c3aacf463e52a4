"""``mentor-agent parse MESSAGE.eml... [--json]``: what the agent understands; changes nothing."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from agent.commands.common import load_program
from agent.errors import MessageRejected
from agent.understanding.classify import understand, understanding_to_json


def parse(args: argparse.Namespace) -> int:
    participants = names = zones = None
    if args.config:
        roster = load_program(args.config, quiet_warnings=True).roster
        participants = {email: str(person.role) for email, person in roster.participants.items()}
        names = {person.first_name: str(person.role) for person in roster.participants.values()}
        zones = {email: person.timezone for email, person in roster.participants.items()}
    status = 0
    for name in args.files:
        path = Path(name)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            print(f"{name}: cannot read ({exc.strerror})", file=sys.stderr)
            status = 1
            continue
        try:
            mail, understood = understand(raw, participants=participants, now=datetime.now(UTC), names=names,
                                          zones=zones)
            record = understanding_to_json(name, mail, understood)
        except MessageRejected as exc:
            record = dict(file=name, kind="rejected", reply_text="", reason=str(exc))
        if args.json:
            print(json.dumps(record, ensure_ascii=False, default=str))
        else:
            _print_readable(record)
    return status


def _print_readable(record: dict) -> None:
    print(f"== {record['file']}: {record['kind']}")
    for key, value in record.items():
        if key in ("file", "kind") or value in (None, "", [], {}):
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        print(f"   {key}: {text}")
