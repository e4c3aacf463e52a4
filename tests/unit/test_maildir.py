"""The Maildir mailbox and outbound: moved never deleted, idempotent, one file per Message-ID."""

from agent.mail.maildir import MaildirMailbox, MaildirOutbound


def deliver(root, name, body=b"Subject: hi\r\n\r\nbody\r\n"):
    (root / "new" / name).write_bytes(body)


def test_pending_then_processed_moves_the_file(tmp_path):
    box = MaildirMailbox(tmp_path / "inbox")
    deliver(box.path, "1700000000.a.host")
    (box.path / "cur" / "1700000001.b.host:2,S").write_bytes(b"x")
    assert [m.key for m in box.pending()] == ["1700000000.a.host", "1700000001.b.host"]
    box.mark_processed("1700000000.a.host")
    box.mark_processed("1700000000.a.host")  # idempotent
    box.quarantine("1700000001.b.host")
    assert list(box.pending()) == []
    assert [p.name for p in (box.path / ".Processed" / "cur").iterdir()] == ["1700000000.a.host:2,S"]
    assert [p.name for p in (box.path / ".Quarantine" / "cur").iterdir()] == ["1700000001.b.host:2,S"]


def test_release_puts_a_quarantined_message_back(tmp_path):
    box = MaildirMailbox(tmp_path / "inbox")
    deliver(box.path, "k1")
    box.quarantine("k1")
    assert box.release("k1") is True
    assert [m.key for m in box.pending()] == ["k1"]
    assert box.release("unknown") is False


def test_outbound_writes_each_message_id_once(tmp_path):
    out = MaildirOutbound(tmp_path / "outbox")
    out.send("<abc@example.org>", b"Subject: x\r\n\r\nbody\r\n", ["a@example.org"])
    assert out.already_sent("<abc@example.org>")
    out.send("<abc@example.org>", b"Subject: x\r\n\r\nbody\r\n", ["a@example.org"])
    files = out.sent_messages()
    assert len(files) == 1
    assert files[0].read_bytes().startswith(b"X-Envelope-To: a@example.org\r\n")
    assert list((out.path / "tmp").iterdir()) == []
