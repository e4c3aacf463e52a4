"""Broken administrator files never give a traceback: every problem is ``file:line: what (hint)``.

The shipped program (config.example.toml, examples/roster.toml, rules/*.toml) is copied into a
temporary folder and one of its files is mutated: random byte flips, truncations, inserted bytes
(NUL, invalid UTF-8, brackets, quotes) and type swaps (a string where a number goes, an array where
a table goes, a table where a string goes). ``check_program`` must return problems, never raise, and
each problem must name a file and a line; ``mentor-agent check`` (a real subprocess, a few cases)
must exit 2 with no traceback.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent.check import check_program, has_errors
from bounds import hang_guard

REPO = Path(__file__).resolve().parents[2]
FILES = ["config.toml", "examples/roster.toml", *[f"rules/{p.name}" for p in sorted((REPO / "rules").glob("*.toml"))]]
PROBLEM = re.compile(r"^(?P<file>[^\n]+?):(?P<line>\d+): (warning: )?\S.*$")


@pytest.fixture(scope="module")
def program_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("program")
    shutil.copy(REPO / "config.example.toml", folder / "config.toml")
    shutil.copytree(REPO / "examples", folder / "examples")
    shutil.copytree(REPO / "rules", folder / "rules")
    (folder / "templates").symlink_to(REPO / "templates")
    return folder


TYPE_SWAPS = [
    (rb'"([^"\n]*)"', [b"42", b"[1, 2]", b"{ a = 1 }", b"true", b"2026-13-45", b'"\\u0000"', b"'''\n'''"]),
    (rb"(?<== )(\d+)", [b'"forty"', b"-1", b"99999999999999999999", b"[]", b"inf", b"nan", b"0x7f"]),
    (rb"\[\[(\w+)\]\]", [b"[\\1]", b"[[\\1.x]]", b"\\1 = 1", b"[[]]"]),
    (rb"(?m)^\[(\w+)\]$", [b"[[\\1]]", b"\\1 = []", b"[\\1.\\1]"]),
    (rb"\[([^\[\]\n]*)\]", [b'"x"', b"{}", b"[[[]]]", b"[1, \"a\", 2026-01-01]"]),
]
INSERTS = [b"\x00", b"\xff\xfe", b"\xc3", b"[", b"]", b'"', b"'''", b"=", b"\n[[participant]]\n", b"\n[program]\n",
           b"\r", b"\t", b"#", b"\\", b"\n", b"{{ config }}", b"\xe2\x80\xae"]


@st.composite
def mutations(draw):
    name = draw(st.sampled_from(FILES))
    edits = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "swap", "delete-line"]))
        edits.append((kind, draw(st.integers(0, 10**6)), draw(st.integers(0, 255)), draw(st.integers(0, 10**6))))
    return name, edits


def mutate(data: bytes, edits) -> bytes:
    buf = bytearray(data)
    for kind, pos, byte, other in edits:
        at = pos % (len(buf) + 1)
        if kind == "flip" and buf:
            buf[at % len(buf)] ^= 1 << (byte % 8)
        elif kind == "truncate":
            del buf[at:]
        elif kind == "insert":
            buf[at:at] = INSERTS[byte % len(INSERTS)]
        elif kind == "delete-line":
            lines = bytes(buf).split(b"\n")
            del lines[at % len(lines)]
            buf = bytearray(b"\n".join(lines))
        elif kind == "swap":
            pattern, replacements = TYPE_SWAPS[byte % len(TYPE_SWAPS)]
            matches = list(re.finditer(pattern, bytes(buf)))
            if matches:
                m = matches[other % len(matches)]
                chosen = replacements[other % len(replacements)]
                buf[m.start():m.end()] = m.expand(chosen) if b"\\1" in chosen else chosen
    return bytes(buf)


def assert_readable(problems, folder: Path) -> None:
    for problem in problems:
        text = str(problem)
        match = PROBLEM.match(text)
        assert match, f"not file:line: {text!r}"
        assert int(match["line"]) >= 1 and "Traceback" not in text and "\n" not in text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(mutations())
def test_mutated_files_give_problems_never_a_traceback(program_folder, mutation):
    name, edits = mutation
    path = program_folder / name
    original = path.read_bytes()
    try:
        path.write_bytes(mutate(original, edits))
        with hang_guard():
            program, problems = check_program(program_folder / "config.toml")
        assert_readable(problems, program_folder)
        assert (program is None) == has_errors(problems) or program is None
    finally:
        path.write_bytes(original)


CLI_CASES = {
    "config-not-toml": ("config.toml", lambda b: b[:200] + b"\n[[[\x00"),
    "config-wrong-types": ("config.toml", lambda b: b.replace(b'name = "', b"name = 42 #", 1)
                           .replace(b"meeting_minutes = 45", b'meeting_minutes = "long"')),
    "roster-truncated": ("examples/roster.toml", lambda b: b[: len(b) // 2]),
    "roster-binary": ("examples/roster.toml", lambda b: b.replace(b"Katy", b"\xff\xfe\x00", 1)),
    "rule-table-for-string": ("rules/10-basics.toml", lambda b: re.sub(rb'template = "[^"]*"', b"template = { a = 1 }", b, 1)),
}


@pytest.mark.parametrize("case", CLI_CASES)
def test_mentor_agent_check_exits_2_with_file_and_line(program_folder, case):
    name, change = CLI_CASES[case]
    path = program_folder / name
    original = path.read_bytes()
    try:
        path.write_bytes(change(original))
        done = subprocess.run([sys.executable, "-m", "agent", "check", "--config", str(program_folder / "config.toml")],
                              capture_output=True, text=True, timeout=60, cwd=REPO,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    finally:
        path.write_bytes(original)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert lines[-1].endswith("error(s) found")
    for line in lines[:-1]:
        assert PROBLEM.match(line), line
