"""Fixtures the integration tests share (the servers themselves are in tests/conftest.py)."""

from __future__ import annotations

import pytest
from imapclient import IMAPClient


@pytest.fixture
def account(imap_account):
    """(the account, a plain IMAPClient logged in to it) for putting mail in and looking at folders."""
    client = IMAPClient(imap_account.host, imap_account.port, ssl=False, timeout=10)
    client.login(imap_account.user, imap_account.password)
    yield imap_account, client
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - tests that stop the server leave this connection dead
        pass
