"""The few Graph API calls the bot makes for WhatsApp: send a message, look up a media, download
it. With the bearer token, against ``[whatsapp] graph_url`` (a stand-in in tests and local mode).

Throttling (HTTP 429 or WhatsApp's rate-limit codes) and server errors (5xx) are retried with
back-off; a timeout is not, since the message may have gone out and a resident who gets it twice
is more confused than one who gets it late. A refused connection sent nothing and is retried.
Errors carry WhatsApp's code only: their texts may quote a phone number.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Final

import httpx

from bot.config import WhatsAppConfig

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]

WINDOW_CLOSED: Final = 131047
"""More than 24 hours since the resident's last message: only a template may go."""
UNDELIVERABLE: Final = frozenset({131026, 131021, 131030})
"""The number cannot receive the message (no WhatsApp, blocked, not allowed in test mode)."""
THROTTLED: Final = frozenset({4, 80007, 130429, 131048, 131056})
TEMPORARY: Final = frozenset({1, 2, 131000, 131016})
ATTEMPTS: Final = 4
FIRST_DELAY: Final = 0.5
LONGEST_DELAY: Final = 8.0


class GraphError(Exception):
    """A refusal or failure of the Graph API: HTTP status, WhatsApp's error code, and the wait
    it asked for (``Retry-After``, seconds), if any."""

    def __init__(self, status: int, code: int, retry_after: float | None = None) -> None:
        super().__init__(f"Graph API error {code} (HTTP {status})")
        self.status = status
        self.code = code
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.status == 429 or self.status >= 500 or self.code in THROTTLED | TEMPORARY


class GraphTimeout(Exception):
    """No answer in time: the request may or may not have taken effect."""


@dataclass(frozen=True)
class Media:
    url: str
    mime_type: str
    file_size: int | None


class GraphClient:
    """Calls of one phone number, sharing one connection pool."""

    def __init__(
        self,
        config: WhatsAppConfig,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Any = asyncio.sleep,
    ) -> None:
        self.config = config
        self._sleep = sleep
        self._client = httpx.AsyncClient(
            transport=transport,
            headers={"Authorization": f"Bearer {config.access_token}"},
            timeout=httpx.Timeout(20.0, connect=5.0),
            follow_redirects=False,
        )

    async def close(self) -> None:
        await self._client.aclose()

    async def send(self, wa_id: str, message: JSONDict, *, attempts: int = ATTEMPTS) -> str:
        """Send one message (a Graph message object without ``to``); WhatsApp's message id.

        ``attempts`` 1: no retry here, for a caller that backs off itself (the outbox)."""
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": wa_id}
        answer = await self._call(
            "POST", self.config.messages_url, attempts=attempts, json={**body, **message}
        )
        messages = answer.get("messages") or [{}]
        return str(messages[0].get("id") or "")

    async def media(self, media_id: str) -> Media:
        """Where a resident's media can be downloaded (the URL lasts a few minutes)."""
        base = f"{self.config.graph_url.rstrip('/')}/{self.config.api_version}"
        answer = await self._call("GET", f"{base}/{media_id}")
        size = answer.get("file_size")
        return Media(
            url=str(answer.get("url") or ""),
            mime_type=str(answer.get("mime_type") or "image/jpeg"),
            file_size=int(size) if isinstance(size, int | str) and str(size).isdigit() else None,
        )

    async def download(self, url: str) -> bytes:
        """The bytes behind a media URL (it needs the token too)."""
        response = await self._request("GET", url)
        return response.content

    async def _call(
        self, method: str, url: str, *, attempts: int = ATTEMPTS, **kwargs: Any
    ) -> JSONDict:
        response = await self._request(method, url, attempts=attempts, **kwargs)
        try:
            answer = response.json()
        except ValueError:
            raise GraphError(response.status_code, 0) from None
        return answer if isinstance(answer, dict) else {}

    async def _request(
        self, method: str, url: str, *, attempts: int = ATTEMPTS, **kwargs: Any
    ) -> httpx.Response:
        delay = FIRST_DELAY
        for attempt in range(1, attempts + 1):
            try:
                response = await self._client.request(method, url, **kwargs)
            except httpx.TimeoutException:
                raise GraphTimeout("no answer from the Graph API in time") from None
            except httpx.TransportError as error:
                failure: Exception = GraphError(503, 0)
                name = type(error).__name__
                if not isinstance(error, httpx.ConnectError) or attempt == attempts:
                    raise failure from None
            else:
                _unlink(response)
                if response.status_code < 400:
                    return response
                asked = _retry_after(response)
                failure = GraphError(response.status_code, _error_code(response), asked)
                name = f"error {failure.code} (HTTP {failure.status})"
                if not failure.retryable or attempt == attempts:
                    raise failure
                delay = max(delay, min(asked or 0.0, LONGEST_DELAY))
            log.warning("Graph API %s; retry %d in %.1f s", name, attempt, delay)
            await self._sleep(delay)
            delay = min(delay * 2, LONGEST_DELAY)
        raise AssertionError("unreachable")


def _unlink(response: httpx.Response) -> None:
    """Break the reference cycle httpx (0.28) makes between a response and its body's stream
    (encode/httpx#3733): the body is read by now, so a plain stream of it replaces the link.
    The response is then freed as soon as it is dropped, not by the cyclic garbage collector,
    whose passes over a few dozen such objects per message stalled every chat for 10-20 ms."""
    response.stream = httpx.ByteStream(response.content)


def _error_code(response: httpx.Response) -> int:
    try:
        code = response.json()["error"]["code"]
        return int(code)
    except (ValueError, KeyError, TypeError):
        return 0


def _retry_after(response: httpx.Response) -> float | None:
    """The seconds of a ``Retry-After`` header, if it has a usable one."""
    try:
        seconds = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return seconds if 0 <= seconds < float("inf") else None
