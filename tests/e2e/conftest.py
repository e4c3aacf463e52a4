"""Fixtures of the end-to-end tests: the example program running in a temporary folder (see harness.py),
fresh or booked."""

import shutil

import pytest
from harness import BOOKING_DAY, Program, write_config


@pytest.fixture
def program(tmp_path):
    running = Program(tmp_path, write_config(tmp_path))
    yield running
    running.app.close()


@pytest.fixture(scope="module")
def _booked_once(tmp_path_factory):
    """The example program booked once; each test starts from a copy (booking five pairs takes seconds)."""
    folder = tmp_path_factory.mktemp("booked")
    program = Program(folder, write_config(folder))
    program.tick(BOOKING_DAY)
    program.app.close()
    return folder


@pytest.fixture
def booked_program(_booked_once, tmp_path):
    """A copy of the booked program: each test changes its own."""
    for item in _booked_once.iterdir():
        if item.name != "config.toml":
            (shutil.copytree if item.is_dir() else shutil.copy2)(item, tmp_path / item.name)
    running = Program(tmp_path, write_config(tmp_path))
    yield running
    running.app.close()
