"""Microsoft Graph mail (Exchange Online): the inbox through delta queries, sendMail with MIME.

See ``agent.ports.Mailbox`` and ``agent.ports.Outbound`` for the contracts; ``GraphClient``
(``agent.exchange.graph_client``) for tokens, throttling and errors. Specific to Graph:

* ``pending()`` keeps the inbox's message ids and ``receivedDateTime`` in memory and refreshes them
  with ``mailFolders/inbox/messages/delta``: the first call pages through the whole inbox, later
  calls follow the ``@odata.deltaLink`` and receive only what changed. A message moved out of the
  inbox comes back as ``@removed``. An expired delta token (410) starts a full sync again.
  The raw MIME is read with ``messages/{id}/$value`` when the message is yielded.
* Ids are immutable (``Prefer: IdType="ImmutableId"``), so a key stays valid after a move and
  ``mark_processed`` can see that a message is in the target folder already (idempotent).
* ``send()`` posts the MIME, base64-encoded, to ``sendMail`` (a copy is saved in Sent Items);
  ``already_sent()`` looks the Message-ID up there with ``$filter=internetMessageId eq '...'``.
  A MIME message must stay under 4 MB, the limit of a ``sendMail`` request.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator, Sequence

from agent.errors import AdapterError
from agent.exchange import mime
from agent.exchange.graph_client import GraphClient, odata_string
from agent.ports import InboundMail, Mailbox, Outbound

log = logging.getLogger(__name__)

IMMUTABLE = {"Prefer": 'IdType="ImmutableId"'}
PAGE = {"Prefer": 'IdType="ImmutableId", odata.maxpagesize=100'}
MAX_SEND_BYTES = 4 * 1024 * 1024


class GraphMailbox(Mailbox):
    """The inbox of ``client.user``; processed and quarantined mail go to top-level folders of
    those names, created when first needed."""

    def __init__(self, client: GraphClient, processed_folder: str = "Processed",
                 quarantine_folder: str = "Quarantine"):
        self.client = client
        self.identity = f"graph:{client.user}/inbox"
        self.folder_names = {"processed": processed_folder, "quarantine": quarantine_folder}
        self._folder_ids: dict[str, str] = {}
        self._inbox: dict[str, str] = {}  # message id -> receivedDateTime
        self._delta_link: str | None = None

    def __repr__(self) -> str:
        return f"GraphMailbox({self.client!r})"

    def pending(self) -> Iterator[InboundMail]:
        self._sync()
        for key in sorted(self._inbox, key=lambda k: (self._inbox[k], k)):
            if key not in self._inbox:  # marked while the caller iterated
                continue
            response = self.client.request("GET", f"messages/{key}/$value", headers=IMMUTABLE, ok=(200, 404))
            if response.status_code == 404:  # moved or deleted by someone else meanwhile
                self._inbox.pop(key, None)
                continue
            yield InboundMail(key=key, raw=response.content)

    def mark_processed(self, key: str) -> None:
        self._move(key, "processed")

    def quarantine(self, key: str) -> None:
        self._move(key, "quarantine")

    def release(self, key: str, message_id: str | None = None) -> bool:
        """Move a quarantined message back to the inbox; False when it is not in quarantine.

        Ids are immutable, so ``key`` still names it; ``message_id`` is the fallback."""
        quarantine = self._folder_id("quarantine")
        where = self.client.request("GET", f"messages/{key}", params={"$select": "parentFolderId"},
                                    headers=IMMUTABLE, ok=(200, 400, 404))
        if where.status_code != 200 or where.json().get("parentFolderId") != quarantine:
            if not message_id:
                return False
            query = {"$filter": f"internetMessageId eq {odata_string(mime.bracketed(message_id))}", "$select": "id"}
            found = self.client.json("GET", f"mailFolders/{quarantine}/messages", params=query, headers=IMMUTABLE)
            if not found.get("value"):
                return False
            key = found["value"][0]["id"]
        self.client.request("POST", f"messages/{key}/move", json={"destinationId": "inbox"}, headers=IMMUTABLE)
        return True

    def close(self) -> None:
        self.client.close()

    # ------------------------------------------------------------------ helpers

    def _sync(self) -> None:
        """Bring ``_inbox`` up to date: a full delta round first, then only the changes."""
        link = self._delta_link or "mailFolders/inbox/messages/delta"
        params = None if self._delta_link else {"$select": "receivedDateTime,internetMessageId"}
        try:
            pages = list(self.client.pages(link, params=params, headers=PAGE, ok=(200,)))
        except AdapterError as exc:
            if self._delta_link is None or getattr(exc, "status", None) != 410:
                raise
            log.info("Graph delta token for %s expired: syncing the inbox again", self.client.user)
            self._delta_link, self._inbox = None, {}
            return self._sync()
        for page in pages:
            for item in page.get("value", []):
                if "@removed" in item:
                    self._inbox.pop(item["id"], None)
                else:
                    self._inbox[item["id"]] = item.get("receivedDateTime") or ""
        self._delta_link = pages[-1].get("@odata.deltaLink") or None

    def _move(self, key: str, which: str) -> None:
        target = self._folder_id(which)
        where = self.client.request("GET", f"messages/{key}", params={"$select": "parentFolderId"},
                                    headers=IMMUTABLE, ok=(200, 404))
        if where.status_code == 404 or where.json().get("parentFolderId") == target:
            self._inbox.pop(key, None)
            return  # gone, or moved already: moving is idempotent
        self.client.request("POST", f"messages/{key}/move", json={"destinationId": target},
                            headers=IMMUTABLE, ok=(200, 201, 404))
        self._inbox.pop(key, None)

    def _folder_id(self, which: str) -> str:
        if which not in self._folder_ids:
            self._folder_ids[which] = folder_id(self.client, self.folder_names[which])
        return self._folder_ids[which]


def folder_id(client: GraphClient, name: str) -> str:
    """The id of the top-level mail folder ``name``, created if missing."""
    found = client.json("GET", "mailFolders", params={"$filter": f"displayName eq {odata_string(name)}",
                                                      "$select": "id,displayName"})
    for folder in found.get("value", []):
        if folder.get("displayName", "").lower() == name.lower():
            return folder["id"]
    created = client.request("POST", "mailFolders", json={"displayName": name}, ok=(201, 409))
    if created.status_code == 409:  # created by another process between the two calls
        return folder_id(client, name)
    return created.json()["id"]


class GraphOutbound(Outbound):
    """Sends as ``client.user``; see the module docstring."""

    def __init__(self, client: GraphClient):
        self.client = client

    def __repr__(self) -> str:
        return f"GraphOutbound({self.client!r})"

    def send(self, message_id: str, raw: bytes, recipients: Sequence[str]) -> None:
        if not recipients:
            raise AdapterError(f"message {message_id}: no recipients")
        body = base64.b64encode(mime.prepare(raw, message_id, recipients))
        if len(body) > MAX_SEND_BYTES:
            raise AdapterError(f"message {message_id} is {len(body)} bytes as base64; Graph sendMail takes 4 MB")
        self.client.request("POST", "sendMail", content=body, headers={"Content-Type": "text/plain"}, ok=(202,))

    def already_sent(self, message_id: str) -> bool:
        query = {"$filter": f"internetMessageId eq {odata_string(mime.bracketed(message_id))}", "$select": "id",
                 "$top": "1"}
        found = self.client.json("GET", "mailFolders/sentitems/messages", params=query)
        return bool(found.get("value"))

    def close(self) -> None:
        self.client.close()
