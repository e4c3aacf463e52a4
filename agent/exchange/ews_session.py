"""One EWS session (exchangelib): the account, the error mapping and throttling, log hygiene.

* exchangelib's ``FailFast`` policy is used, with throttling handled here: ``ErrorServerBusy``
  carries the server's ``BackOffMilliseconds``; we wait that long (at most ``max_wait``) and try
  again, at most ``retries`` times, then raise ``TransientError``. exchangelib's own
  ``FaultTolerance`` is avoided on purpose: it treats every HTTP 401 as throttling, so a wrong
  password would be retried for up to ``max_wait`` instead of being reported.
* Network failures, timeouts and the transient EWS codes raise ``TransientError``; refusals
  (401, access denied, invalid requests) raise ``AdapterError``.
* exchangelib logs every request's headers and XML at DEBUG: with basic auth the headers hold the
  password in base64, and the XML holds people's mail. A filter on its loggers blanks both.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import requests
from exchangelib import DELEGATE, Account, Build, Configuration, Credentials, EWSTimeZone, FailFast, Version
from exchangelib import errors as ews

from agent.errors import AdapterError, TransientError

log = logging.getLogger(__name__)
T = TypeVar("T")

TRANSIENT = (ews.ErrorServerBusy, ews.ErrorInternalServerTransientError, ews.ErrorTimeoutExpired,
             ews.ErrorMailboxStoreUnavailable, ews.ErrorMailboxMoveInProgress, ews.ErrorConnectionFailed,
             ews.ErrorInternalServerError, ews.ErrorADUnavailable, ews.ErrorBatchProcessingStopped,
             ews.RateLimitError, ews.MalformedResponseError, ews.SOAPError, ews.SessionPoolMinSizeReached)


class EwsSession:
    """The mailbox ``primary_smtp_address`` at ``service_endpoint`` (a full EWS URL) or ``server``
    (a host name; EWS is then ``https://<server>/EWS/Exchange.asmx``). ``auth_type`` is an
    exchangelib name (``NTLM``, ``basic``, ``no authentication``…); None lets exchangelib ask the
    server. ``version`` (a ``Build`` as a tuple) spares the version probe."""

    def __init__(self, primary_smtp_address: str, username: str | None, password: str | None, *,
                 service_endpoint: str | None = None, server: str | None = None, auth_type: str | None = None,
                 version: tuple[int, ...] | None = None, retries: int = 4, max_wait: float = 120,
                 sleep: Callable[[float], None] = time.sleep):
        if not (service_endpoint or server):
            raise AdapterError("EWS needs a server or a service_endpoint")
        self.address, self.username = primary_smtp_address, username
        self.endpoint = service_endpoint or f"https://{server}/EWS/Exchange.asmx"
        self.auth_type, self.version = auth_type, version
        self.retries, self.max_wait, self._sleep = retries, max_wait, sleep
        self._password = password
        self._account: Account | None = None
        hide_secrets_in_exchangelib_logs()

    def __repr__(self) -> str:
        return f"EwsSession({self.address!r}, endpoint={self.endpoint!r}, username={self.username!r})"

    @property
    def account(self) -> Account:
        if self._account is None:
            credentials = Credentials(self.username, self._password) if self.username else None
            config = Configuration(
                service_endpoint=self.endpoint, credentials=credentials, auth_type=self.auth_type,
                version=Version(build=Build(*self.version)) if self.version else None, retry_policy=FailFast())
            self._account = Account(self.address, config=config, autodiscover=False, access_type=DELEGATE,
                                    default_timezone=EWSTimeZone("UTC"))
        return self._account

    def call(self, what: str, op: Callable[[Account], T]) -> T:
        """Run ``op`` with the account, waiting out throttling and mapping errors (see module doc)."""
        for attempt in range(self.retries + 1):
            try:
                return op(self.account)
            except ews.ErrorServerBusy as exc:
                wait = min(exc.back_off or 1.0, self.max_wait)
                if attempt == self.retries:
                    raise TransientError(f"EWS {what}: still throttled after {self.retries} retries") from None
                log.info("EWS %s: server busy, waiting %.1f s as asked", what, wait)
                self._sleep(wait)
            except AdapterError:
                raise
            except ews.UnauthorizedError:
                raise AdapterError(f"EWS {what}: {self.endpoint} refused the credentials of {self.username}") from None
            except TRANSIENT as exc:
                raise TransientError(f"EWS {what}: {type(exc).__name__}: {_short(exc)}") from None
            except ews.ResponseMessageError as exc:
                raise AdapterError(f"EWS {what}: {type(exc).__name__}: {_short(exc)}") from None
            except (ews.TransportError, requests.RequestException, OSError) as exc:
                raise TransientError(f"EWS {what}: {type(exc).__name__}: {_short(exc)}") from None
            except ews.EWSError as exc:
                raise AdapterError(f"EWS {what}: {type(exc).__name__}: {_short(exc)}") from None
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._account is not None:
            self._account.protocol.close()
            self._account = None


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:300] if str(exc) else ""


class _Redact(logging.Filter):
    """Blank request headers (Authorization) and SOAP bodies (mail) in exchangelib's debug lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict):
            args = dict(record.args)
            for key in ("request_headers", "xml_request", "xml_response"):
                if args.get(key) is not None:
                    args[key] = "[hidden]"
            record.args = args
        return True


_FILTER = _Redact()


def hide_secrets_in_exchangelib_logs() -> None:
    for name in ("exchangelib.util", "exchangelib.util.xml"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
