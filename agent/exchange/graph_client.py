"""One Microsoft Graph session: an app-only token from msal (client credentials) and httpx requests.

Errors, as the ports expect them (``agent.errors``):

* 429 and 503/504 with ``Retry-After``: wait that long (at most ``max_wait`` seconds) and try again,
  at most ``retries`` times; then ``TransientError``.
* other 5xx, timeouts, dropped connections: ``TransientError`` (the caller retries with backoff).
* 401 once: the token may have expired or been revoked: a new one is fetched and the call repeated.
* other 4xx: ``AdapterError`` with Graph's error code and message.

The client secret lives only in the msal application; neither ``repr`` nor any log line shows it
or the access token. ``authority_host`` and ``api`` default to the global cloud; national clouds
(``https://login.microsoftonline.us``, ``https://graph.microsoft.us/v1.0``) and the tests' local
server are reached by changing them.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import msal
import requests

from agent.errors import AdapterError, TransientError

log = logging.getLogger(__name__)

LOGIN = "https://login.microsoftonline.com"
GRAPH = "https://graph.microsoft.com/v1.0"


class GraphClient:
    """Requests to ``{api}/users/{user}/...`` as the application ``client_id`` of ``tenant_id``.

    ``verify`` is True, False or a CA bundle path (for both msal and httpx). The msal application is
    built on first use, because building it already asks the authority for its OpenID configuration.
    """

    def __init__(self, tenant_id: str, client_id: str, client_secret: str, user: str, *,
                 authority_host: str = LOGIN, api: str = GRAPH, verify: bool | str = True,
                 timeout: float = 30, retries: int = 4, max_wait: float = 120,
                 sleep: Callable[[float], None] = time.sleep):
        self.tenant_id, self.client_id, self.user = tenant_id, client_id, user
        self.authority = f"{authority_host.rstrip('/')}/{tenant_id}"
        self.api = api.rstrip("/")
        self.scope = _scope_for(self.api)
        self.retries, self.max_wait, self._sleep = retries, max_wait, sleep
        self._secret = client_secret
        self._verify, self._timeout = verify, timeout
        self._app: msal.ConfidentialClientApplication | None = None
        self._token: str | None = None
        self._http = httpx.Client(timeout=timeout, verify=_ssl_context(verify))

    def __repr__(self) -> str:
        return f"GraphClient(tenant_id={self.tenant_id!r}, client_id={self.client_id!r}, user={self.user!r})"

    def url(self, path: str) -> str:
        """``path`` under this user: ``url("messages/x")`` → ``{api}/users/{user}/messages/x``."""
        return f"{self.api}/users/{self.user}/{path.lstrip('/')}"

    # ------------------------------------------------------------------ requests

    def request(self, method: str, url: str, *, ok: tuple[int, ...] = (200, 201, 202, 204),
                **kwargs: Any) -> httpx.Response:
        """Send one request with token, throttling and error handling; ``url`` may be a full link."""
        if not url.startswith(("http://", "https://")):
            url = self.url(url)
        renewed = False
        for attempt in range(self.retries + 1):
            headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {self._access_token()}"}
            kwargs["headers"] = headers
            try:
                response = self._http.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                raise TransientError(f"Graph {method} {_path(url)}: {type(exc).__name__}: {exc}") from None
            if response.status_code in ok:
                return response
            if response.status_code == 401 and not renewed:
                renewed, self._token = True, None
                continue
            wait = _retry_after(response)
            if wait is not None and attempt < self.retries:
                log.info("Graph %s %s: %s, waiting %.0f s as asked", method, _path(url),
                         response.status_code, min(wait, self.max_wait))
                self._sleep(min(wait, self.max_wait))
                continue
            raise _error(method, url, response)
        raise TransientError(f"Graph {method} {_path(url)}: still throttled after {self.retries} retries")

    def json(self, method: str, url: str, **kwargs: Any) -> dict:
        return self.request(method, url, **kwargs).json()

    def pages(self, url: str, **kwargs: Any) -> Iterator[dict]:
        """Each page of a collection, following ``@odata.nextLink``; the last page carries
        ``@odata.deltaLink`` for delta queries."""
        page = self.json("GET", url, **kwargs)
        yield page
        kwargs.pop("params", None)
        while page.get("@odata.nextLink"):
            page = self.json("GET", page["@odata.nextLink"], **kwargs)
            yield page

    def items(self, url: str, **kwargs: Any) -> Iterator[dict]:
        for page in self.pages(url, **kwargs):
            yield from page.get("value", [])

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------------ token

    def _access_token(self) -> str:
        if self._token is None:
            result = self._acquire()
            if "access_token" not in result:
                error = result.get("error", "no token")
                text = (result.get("error_description") or "").splitlines()[0:1]
                cls = TransientError if error in ("temporarily_unavailable", "server_error") else AdapterError
                raise cls(f"Graph token for {self.client_id} refused: {error} {''.join(text)}".strip())
            self._token = result["access_token"]
        return self._token

    def _acquire(self) -> dict:
        """msal caches app tokens itself and renews them before they expire."""
        try:
            if self._app is None:
                self._app = msal.ConfidentialClientApplication(
                    self.client_id, client_credential=self._secret, authority=self.authority,
                    instance_discovery=False, http_client=_Session(self._verify, self._timeout))
            return self._app.acquire_token_for_client(scopes=[self.scope])
        except requests.RequestException as exc:
            raise TransientError(f"Graph authority {self.authority}: {type(exc).__name__}") from None
        except ValueError as exc:  # msal: unknown tenant, OpenID configuration unavailable
            raise AdapterError(f"Graph authority {self.authority}: {str(exc).splitlines()[0][:200]}") from None


class _Session(requests.Session):
    """msal's HTTP client. msal's own ``verify=`` sets ``Session.verify``, which requests ignores
    whenever ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE`` is set (psf/requests#3829); passing
    ``verify`` with each request is honoured."""

    def __init__(self, verify: bool | str, timeout: float):
        super().__init__()
        self._verify, self._timeout = verify, timeout
        self.mount("https://", requests.adapters.HTTPAdapter(max_retries=1))

    def request(self, method, url, **kwargs):  # type: ignore[override]
        kwargs.setdefault("verify", self._verify)
        kwargs.setdefault("timeout", self._timeout)
        return super().request(method, url, **kwargs)


def _ssl_context(verify: bool | str) -> bool | ssl.SSLContext:
    return ssl.create_default_context(cafile=verify) if isinstance(verify, str) else verify


def _scope_for(api: str) -> str:
    """The ``.default`` scope of the Graph host: ``https://graph.microsoft.com/.default``."""
    scheme, _, rest = api.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}/.default"


def _path(url: str) -> str:
    """The URL without host and query (queries carry user input and skip tokens)."""
    return httpx.URL(url).path


def _retry_after(response: httpx.Response) -> float | None:
    if response.status_code not in (429, 503, 504):
        return None
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return 1.0 if response.status_code == 429 else None


def _error(method: str, url: str, response: httpx.Response) -> AdapterError:
    try:
        body = response.json().get("error", {})
        detail = f"{body.get('code', '')}: {body.get('message', '')}"
    except ValueError:
        detail = response.reason_phrase
    message = f"Graph {method} {_path(url)}: {response.status_code} {detail}"
    transient = response.status_code >= 500 or response.status_code in (408, 429)
    error = (TransientError if transient else AdapterError)(message)
    error.status = response.status_code  # type: ignore[attr-defined]
    return error


def odata_string(value: str) -> str:
    """A string literal for ``$filter`` (OData: a quote inside is doubled)."""
    return "'" + value.replace("'", "''") + "'"
