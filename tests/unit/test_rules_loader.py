"""rules/*.toml: rules as frozen values, and every problem at its file and line."""

from datetime import time, timedelta

import pytest

from agent.rules.loader import load_rules
from agent.rules.model import parse_duration

TEMPLATES = {"agenda_reminder", "kickoff", "stalled"}

REMINDER = '''[[rule]]
name = "agenda-reminder"
description = "Remind the mentee to send an agenda."
trigger = "before_meeting"
offset = "48h"
if = { agenda_received = false, meeting_count_min = 1 }
action = "send"
template = "agenda_reminder"
to = "mentee"
'''  # lines 1-9


def load(tmp_path, *texts):
    folder = tmp_path / "rules"
    folder.mkdir()
    for index, text in enumerate(texts):
        (folder / f"{index:02d}.toml").write_text(text)
    return load_rules(folder, template_exists=TEMPLATES.__contains__)


def test_valid_rules(tmp_path):
    second = ('[[rule]]\nname = "stalled"\ndescription = "Tell admins."\ntrigger = "inactivity"\ndays = 21\n'
              'action = "escalate"\ntemplate = "stalled"\nenabled = false\n'
              '[[rule]]\nname = "mark"\ndescription = "Flag it."\ntrigger = "message"\nkind = "agenda"\n'
              'action = "set_flag"\nflag = "seen"\n')
    rules, problems = load(tmp_path, REMINDER, second)
    assert problems == []
    assert rules.names == ("agenda-reminder", "stalled", "mark")
    reminder = rules.by_name("agenda-reminder")
    assert reminder.offset == timedelta(hours=48) and reminder.to == "mentee" and reminder.line == 1
    assert reminder.conditions == (("agenda_received", False), ("meeting_count_min", 1))
    assert reminder.file.endswith("00.toml") and reminder.enabled
    stalled = rules.by_name("stalled")
    assert stalled.to == "admins" and stalled.days == 21 and not stalled.enabled and stalled.line == 1
    assert rules.by_trigger("inactivity") == ()
    assert rules.by_trigger("inactivity", enabled_only=False) == (stalled,)
    mark = rules.by_name("mark")
    assert mark.kind == "agenda" and mark.flag == "seen" and mark.template is None and mark.line == 9


def test_send_defaults_to_both(tmp_path):
    rules, problems = load(tmp_path, REMINDER.replace('to = "mentee"\n', ""))
    assert problems == [] and rules.rules[0].to == "both"


@pytest.mark.parametrize(
    "text, expected",
    [("48h", timedelta(hours=48)), ("30m", timedelta(minutes=30)), ("3d", timedelta(days=3)),
     ("1w", timedelta(weeks=1)), ("1d 12h", timedelta(hours=36))],
)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "48", "2 days", "h48", "-1h"])
def test_bad_duration(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def swap(old, new):
    assert old in REMINDER
    return REMINDER.replace(old, new)


CASES = [
    # (file text, line, message fragment, hint fragment)
    (swap('template = "agenda_reminder"', 'template = "agenda_remind"'), 8, 'template "agenda_remind" does not exist',
     "create templates/agenda_remind.txt.j2 or fix the name"),
    (swap('trigger = "before_meeting"', 'trigger = "before_meting"'), 4, 'unknown trigger "before_meting"',
     'did you mean "before_meeting"?'),
    (swap('action = "send"', 'action = "mail"'), 7, 'unknown action "mail"', '"send"'),
    (swap('to = "mentee"', 'to = "mentees"'), 9, 'unknown to "mentees"', 'did you mean "mentee"?'),
    (swap('offset = "48h"', 'offset = "two days"'), 5, 'offset = "two days" is not a duration', '"48h"'),
    (swap('offset = "48h"\n', ''), 1, 'needs offset (trigger = "before_meeting")', 'offset = "48h"'),
    (swap('agenda_received = false', 'agenda_recieved = false'), 6, "unknown condition agenda_recieved",
     'did you mean "agenda_received"?'),
    (swap('meeting_count_min = 1', 'meeting_count_min = "one"'), 6, 'meeting_count_min = "one" is not allowed',
     "whole number"),
    (swap('description = "Remind the mentee to send an agenda."\n', ''), 1, "needs description", "add description"),
    (swap('template = "agenda_reminder"\n', ''), 1, 'needs template (action = "send")', "add template"),
    (swap('name = "agenda-reminder"', 'name = "Agenda Reminder"'), 2, "is not a rule name", "lower-case"),
    (swap('template = "agenda_reminder"', 'templte = "agenda_reminder"'), 8, "[[rule]] has no field templte",
     'did you mean "template"?'),
    (swap('offset = "48h"', 'offset = "48h"\ndays = 3'), 6, 'days is not used with trigger = "before_meeting"',
     'trigger = "inactivity"'),
    (swap('trigger = "before_meeting"\noffset = "48h"', 'trigger = "message"'), 1, 'needs kind (trigger = "message")',
     'kind = "agenda"'),
    (swap('trigger = "before_meeting"\noffset = "48h"', 'trigger = "message"\nkind = "agendas"'), 5,
     'unknown kind "agendas"', 'did you mean "agenda"?'),
    (swap('trigger = "before_meeting"\noffset = "48h"', 'trigger = "inactivity"\ndays = 0'), 5,
     "days = 0 should be a whole number of at least 1", "days = 14"),
    (swap('action = "send"\ntemplate = "agenda_reminder"', 'action = "set_flag"'), 1, 'needs flag (action = "set_flag")',
     "add flag"),
    (REMINDER + "\n" + REMINDER, 12, 'rule "agenda-reminder" is defined twice', "00.toml:1"),
    ("[rule]\nname = \"x\"\n", 1, "[[rule]] blocks", "[[rule]]"),
    ("[[rules]]\nname = \"x\"\n", 1, "unknown entry rules", 'did you mean "rule"?'),
    (REMINDER + "bad = \n", 10, "TOML syntax error", "quotes"),
]


@pytest.mark.parametrize("text, line, message, hint", CASES)
def test_problem_has_line_and_hint(tmp_path, text, line, message, hint):
    rules, problems = load(tmp_path, text)
    matching = [p for p in problems if message in p.message]
    assert matching, [str(p) for p in problems]
    assert matching[0].line == line, str(matching[0])
    assert hint in matching[0].hint, str(matching[0])
    assert matching[0].file.endswith("00.toml")


def test_duplicate_name_across_files_points_at_the_second(tmp_path):
    rules, [problem] = load(tmp_path, REMINDER, "# another file\n" + REMINDER)
    assert problem.file.endswith("01.toml") and problem.line == 3
    assert "00.toml:1" in problem.hint
    assert rules.names == ("agenda-reminder",)


def test_all_errors_at_once(tmp_path):
    text = swap('trigger = "before_meeting"', 'trigger = "before"')  # 4
    text = text.replace('action = "send"', 'action = "mail"')  # 7
    text = text.replace('to = "mentee"', 'to = "nobody"')  # 9
    text = text.replace('template = "agenda_reminder"', 'template = "nope"')  # 8
    text = text.replace('offset = "48h"', 'offset = "soon"')  # 5
    rules, problems = load(tmp_path, text)
    assert len(rules) == 0
    assert sorted(p.line for p in problems) == [4, 5, 7, 8, 9]


def test_empty_folder_is_a_warning(tmp_path):
    rules, [problem] = load(tmp_path)
    assert problem.severity == "warning" and len(rules) == 0


def test_missing_folder(tmp_path):
    _, [problem] = load_rules(tmp_path / "nope", template_exists=lambda name: True)
    assert problem.severity == "error" and "does not exist" in problem.message


# -- what the rules issue added ----------------------------------------------------------------------

ITEM = '''[[rule]]
name = "item-due"
description = "Remind the owner."
trigger = "action_item_due"
action = "send"
template = "kickoff"
'''  # lines 1-6

WEEKLY = '''[[rule]]
name = "digest"
description = "Weekly digest."
trigger = "weekly"
at = "Fri 16:30"
if = { flag = "digest", weekday = ["Fri"], pair_age_days_min = 7, meeting_count = 2 }
action = "send"
template = "kickoff"
quiet_hours = "off"
'''


def test_new_triggers_conditions_and_quiet_hours(tmp_path):
    rules, problems = load(tmp_path, '[defaults]\nquiet_hours = "21:00-08:00"\n\n' + ITEM, WEEKLY)
    assert problems == []
    item, digest = rules.rules
    assert item.to == "owner" and item.at_time is None and item.quiet_hours is None
    assert str(rules.quiet_for(item)) == "21:00-08:00"
    assert (digest.at_weekday, digest.at_time) == (4, time(16, 30))
    assert str(rules.quiet_for(digest)) == "off"
    assert dict(digest.conditions) == {"flag": "digest", "weekday": ("Fri",), "pair_age_days_min": 7,
                                       "meeting_count": 2}


def test_weekly_defaults_to_monday_and_a_single_weekday_may_be_text(tmp_path):
    text = WEEKLY.replace('at = "Fri 16:30"\n', "").replace('weekday = ["Fri"]', 'weekday = "Fri"')
    rules, problems = load(tmp_path, text)
    assert problems == [] and rules.rules[0].at_weekday == 0 and rules.rules[0].condition("weekday") == ("Fri",)


def item_swap(old, new):
    assert old in ITEM
    return ITEM.replace(old, new)


def weekly_swap(old, new):
    assert old in WEEKLY
    return WEEKLY.replace(old, new)


NEW_CASES = [
    (weekly_swap('at = "Fri 16:30"', 'at = "Friday 4pm"'), 5, 'at = "Friday 4pm" is not a day and time',
     '"Mon 09:00"'),
    (item_swap('action = "send"', 'at = "Mon 09:00"\naction = "send"'), 5, 'at = "Mon 09:00" is not a time', '"09:00"'),
    (REMINDER.replace('offset = "48h"', 'offset = "48h"\nat = "09:00"'), 6,
     'at is not used with trigger = "before_meeting"', 'trigger = "weekly"'),
    (weekly_swap('weekday = ["Fri"]', 'weekday = ["Friday"]'), 6, "condition weekday", "Mon"),
    (weekly_swap('weekday = ["Fri"]', 'mentions = []'), 6, "condition mentions", "list of words"),
    (weekly_swap('quiet_hours = "off"', 'quiet_hours = "nights"'), 9, 'quiet_hours = "nights" is not a span',
     "21:00-08:00"),
    (weekly_swap('action = "send"', 'action = "send"\nto = "owner"'), 8,
     'to = "owner" is not used with trigger = "weekly"', "action_item_due"),
    (REMINDER.replace('to = "mentee"', 'to = "sender"'), 9, 'to = "sender" is not used with trigger', "message"),
    (weekly_swap('action = "send"\ntemplate = "kickoff"', 'action = "clear_flag"'), 1,
     'needs flag (action = "clear_flag")', "add flag"),
    (weekly_swap('pair_age_days_min = 7', 'pair_age_days_min = 7, pair_age_days_max = 3'), 6,
     "pair_age_days_min is larger than pair_age_days_max", "swap"),
    ('[defaults]\nquiet = "21:00-08:00"\n', 2, "[defaults] has no field quiet", 'did you mean "quiet_hours"?'),
    ('[defaults]\nquiet_hours = "late"\n', 2, 'quiet_hours = "late" is not a span', "21:00-08:00"),
    ("[default]\n", 1, "unknown entry default", 'did you mean "defaults"?'),
]


@pytest.mark.parametrize("text, line, message, hint", NEW_CASES)
def test_new_problems_have_line_and_hint(tmp_path, text, line, message, hint):
    test_problem_has_line_and_hint(tmp_path, text, line, message, hint)


def test_two_files_disagreeing_on_a_default(tmp_path):
    _, [problem] = load(tmp_path, '[defaults]\nquiet_hours = "21:00-08:00"\n',
                        '# other\n[defaults]\nquiet_hours = "22:00-07:00"\n')
    assert problem.file.endswith("01.toml") and problem.line == 3 and "00.toml:2" in problem.hint


def test_the_shipped_program_loads_without_problems():
    from agent.check import SHIPPED_RULES, SHIPPED_TEMPLATES, template_dirs, template_finder

    rules, problems = load_rules(SHIPPED_RULES, template_exists=template_finder(template_dirs(SHIPPED_TEMPLATES)))
    assert problems == []
    triggers = {rule.trigger for rule in rules}
    assert triggers >= {"pair_start", "message", "before_meeting", "after_meeting", "inactivity", "series_ending",
                        "action_item_due", "goal_completed", "weekly"}
    assert str(rules.quiet_hours) == "21:00-08:00"
    assert all(rule.description for rule in rules)
