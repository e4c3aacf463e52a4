"""Secrets reach adapters as the real value, from the environment, a file or (warned) the config."""

from pathlib import Path

import pytest

from agent.bootstrap import secret
from agent.config import OutboundConfig, Secret
from agent.errors import ConfigError

CONFIG = Path("config.toml")


def test_inline_secret_is_revealed_for_the_adapter_only():
    section = OutboundConfig(backend="smtp", host="h", password=Secret("s3cret"))
    assert secret(section, CONFIG) == "s3cret"
    assert "s3cret" not in repr(section)


def test_secret_from_the_environment(monkeypatch):
    monkeypatch.setenv("MA_TEST_PW", "from-env")
    assert secret(OutboundConfig(backend="smtp", host="h", password_env="MA_TEST_PW"), CONFIG) == "from-env"


def test_unset_environment_variable_is_a_config_error(monkeypatch):
    monkeypatch.delenv("MA_TEST_PW", raising=False)
    with pytest.raises(ConfigError, match="MA_TEST_PW is not set"):
        secret(OutboundConfig(backend="smtp", host="h", password_env="MA_TEST_PW"), CONFIG)
