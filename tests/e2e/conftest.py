"""The ``program`` fixture: the example program running in a temporary folder (see harness.py)."""

import pytest
from harness import Program, write_config


@pytest.fixture
def program(tmp_path):
    running = Program(tmp_path, write_config(tmp_path))
    yield running
    running.app.close()
