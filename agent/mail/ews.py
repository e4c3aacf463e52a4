"""Exchange on-premises mail through EWS (exchangelib): read and move the inbox, send MIME.

See ``agent.ports.Mailbox`` and ``agent.ports.Outbound`` for the contracts; ``EwsSession``
(``agent.exchange.ews_session``) for throttling, errors and log hygiene. Specific to EWS:

* ``pending()`` lists the inbox oldest first with ``FindItem`` (ids only, paged) and reads the
  MIME of each batch with ``GetItem`` (``IncludeMimeContent``).
* EWS item ids change when an item moves, so a key that is no longer found
  (``ErrorItemNotFound``) means the message was moved already: ``mark_processed`` and
  ``quarantine`` are idempotent that way.
* Before a message is quarantined its key is written into a named property of our own, so
  ``release`` finds it in the Quarantine folder under its new id (or by ``message_id``).
* Processed and quarantined mail go to folders of those names directly under the mailbox's top
  of information store, created with ``CreateFolder`` when first needed.
* ``send()`` creates the message from its MIME with ``MessageDisposition=SendAndSaveCopy`` (a copy
  lands in Sent Items, Message-ID kept); ``already_sent()`` looks the Message-ID up there with a
  ``FindItem`` restriction on ``message:InternetMessageId``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from exchangelib import SHALLOW, ExtendedProperty, Folder, FolderCollection, Message
from exchangelib.items import MeetingCancellation, MeetingRequest, MeetingResponse
from exchangelib.folders import MsgFolderRoot
from exchangelib.services import CreateFolder
from exchangelib import errors as ews

from agent.errors import AdapterError
from agent.exchange import mime
from agent.exchange.ews_session import EwsSession
from agent.ports import InboundMail, Mailbox, Outbound

GONE = (ews.ErrorItemNotFound, ews.ErrorInvalidIdMalformed)
INBOX_CLASSES = (Message, MeetingRequest, MeetingResponse, MeetingCancellation)


class MentorAgentKey(ExtendedProperty):
    """The inbox key a message had before it was quarantined (EWS ids change on every move)."""

    property_set_id = "9d3c5e1a-6f1b-4c39-9a4e-8d2f5b7c0e41"
    property_name = "mentorAgentKey"
    property_type = "String"


def register_key_property() -> None:
    for cls in INBOX_CLASSES:
        if "mentor_agent_key" not in {f.name for f in cls.FIELDS}:
            cls.register("mentor_agent_key", MentorAgentKey)


class EwsMailbox(Mailbox):
    def __init__(self, session: EwsSession, processed_folder: str = "Processed",
                 quarantine_folder: str = "Quarantine", batch: int = 50, page_size: int = 500):
        self.session, self.batch, self.page_size = session, batch, page_size
        self.identity = f"ews:{session.address}/inbox"
        self.folder_names = {"processed": processed_folder, "quarantine": quarantine_folder}
        self._folders: dict[str, Folder] = {}
        register_key_property()

    def __repr__(self) -> str:
        return f"EwsMailbox({self.session!r})"

    def pending(self) -> Iterator[InboundMail]:
        def listing(account) -> list:
            query = account.inbox.all().order_by("datetime_received").values_list("id", "changekey")
            query.page_size = self.page_size
            return list(query)

        ids = self.session.call("list the inbox", listing)
        for start in range(0, len(ids), self.batch):
            chunk = ids[start:start + self.batch]
            items = self.session.call("read mail", lambda a: list(a.fetch(ids=chunk, only_fields=["mime_content"])))
            for item in items:
                if isinstance(item, GONE):  # moved by someone else since the listing
                    continue
                if isinstance(item, Exception):
                    self.session.call("read mail", _raiser(item))
                yield InboundMail(key=item.id, raw=item.mime_content)

    def mark_processed(self, key: str) -> None:
        self._move(key, "processed")

    def quarantine(self, key: str) -> None:
        def tag(account) -> None:
            item = Message(account=account, id=key, changekey=None, mentor_agent_key=key)
            for result in account.bulk_update(items=[(item, ["mentor_agent_key"])]):
                if isinstance(result, Exception) and not isinstance(result, GONE):
                    raise result

        self.session.call("mark for quarantine", tag)
        self._move(key, "quarantine")

    def release(self, key: str, message_id: str | None = None) -> bool:
        """Move a quarantined message back to the inbox; False when it is not in quarantine."""
        folder = self._folder("quarantine")

        def op(account) -> bool:
            found = list(folder.filter(mentor_agent_key=key).values_list("id", "changekey")[:1])
            if not found and message_id:
                wanted = mime.bracketed(message_id)
                found = list(folder.filter(message_id=wanted).values_list("id", "changekey")[:1])
            if not found:
                return False
            for result in account.bulk_move(ids=found, to_folder=account.inbox):
                if isinstance(result, Exception):
                    raise result
            return True

        return self.session.call("release from quarantine", op)

    def close(self) -> None:
        self.session.close()

    def _move(self, key: str, which: str) -> None:
        folder = self._folder(which)

        def op(account) -> None:
            for result in account.bulk_move(ids=[(key, None)], to_folder=folder):
                if isinstance(result, Exception) and not isinstance(result, GONE):
                    raise result

        self.session.call(f"move to {folder.name}", op)

    def _folder(self, which: str) -> Folder:
        if which not in self._folders:
            name = self.folder_names[which]
            self._folders[which] = self.session.call(f"find folder {name}", lambda a: top_folder(a, name))
        return self._folders[which]


def top_folder(account, name: str) -> Folder:
    """The folder ``name`` under the top of information store, created if missing.

    ``account.msg_folder_root`` and ``Folder.save()`` are avoided: both first walk the whole folder
    tree (a deep FindFolder) to fill exchangelib's folder cache.
    """
    root = MsgFolderRoot.get_distinguished(root=account.root)
    for folder in FolderCollection(account=account, folders=[root]).find_folders(depth=SHALLOW):
        if isinstance(folder, Folder) and (folder.name or "").lower() == name.lower():
            return folder
    try:
        return CreateFolder(account=account).get(parent_folder=root, folders=[Folder(root=account.root, name=name)])
    except ews.ErrorFolderExists:  # created by another process meanwhile
        return top_folder(account, name)


def _raiser(exc: Exception):
    def op(_account):
        raise exc

    return op


class EwsOutbound(Outbound):
    def __init__(self, session: EwsSession):
        self.session = session

    def __repr__(self) -> str:
        return f"EwsOutbound({self.session!r})"

    def send(self, message_id: str, raw: bytes, recipients: Sequence[str]) -> None:
        if not recipients:
            raise AdapterError(f"message {message_id}: no recipients")
        body = mime.prepare(raw, message_id, recipients)
        self.session.call(f"send {message_id}", lambda a: Message(
            account=a, folder=a.sent, mime_content=body).send_and_save())

    def already_sent(self, message_id: str) -> bool:
        wanted = mime.bracketed(message_id)
        return self.session.call(f"look up {message_id}", lambda a: a.sent.filter(message_id=wanted).exists())

    def close(self) -> None:
        self.session.close()
