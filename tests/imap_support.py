"""What the IMAP adapter's integration tests share: a test message, a mailbox for an account, and
the Message-IDs in a folder (the ``account`` fixture is in tests/integration/conftest.py)."""

from __future__ import annotations

from imapclient import IMAPClient

from agent.mail.imap import ImapMailbox


def message(n: int) -> bytes:
    return (f"From: mentee{n}@example.org\r\nTo: program@example.test\r\nSubject: agenda {n}\r\n"
            f"Message-ID: <msg{n}@example.org>\r\n\r\nbody {n}\r\n").encode()


def new_box(acct, **kwargs) -> ImapMailbox:
    return ImapMailbox(acct.host, acct.port, "none", acct.user, acct.password, **kwargs)


def folder_ids(client: IMAPClient, folder: str) -> list[str]:
    """The Message-IDs in ``folder``, sorted (a duplicate shows twice)."""
    if not client.folder_exists(folder):
        return []
    client.select_folder(folder, readonly=True)
    fetched = client.fetch(client.search("ALL"), ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
    client.unselect_folder()
    return sorted(header_id(data) for data in fetched.values())


def header_id(data: dict) -> str:
    header = next(v for k, v in data.items() if k.startswith(b"BODY"))
    return header.decode().split(":", 1)[1].strip()
