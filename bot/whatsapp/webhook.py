"""The WhatsApp webhook: ``http://{listen}:{port}{path}``, behind the TLS proxy Meta posts to.

* ``GET`` is Meta's verification: ``hub.mode=subscribe`` with our ``hub.verify_token`` gets
  ``hub.challenge`` back; anything else 403.
* ``POST`` must carry ``X-Hub-Signature-256``, the HMAC-SHA256 of the raw body with the app
  secret, compared in constant time: missing, 401; wrong, 403; in both cases nothing is read
  or stored. A signed body is stored (:meth:`WhatsAppChannel.receive`) and only then answered
  200, so an acknowledged message is never lost; the dialogue work runs after the answer.
  If storing fails (the database is down), the answer is 500 and Meta delivers again later.

tornado serves it: python-telegram-bot's webhook extra already brings it, and it runs in the
bot's own event loop. No access log: a verification URL carries the verify token.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler

from bot.config import WhatsAppConfig
from bot.whatsapp.channel import WhatsAppChannel
from bot.whatsapp.inbound import PayloadError

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_BODY_BYTES = 1_000_000


def signature_valid(app_secret: str, body: bytes, header: str) -> bool:
    """Whether ``header`` (``sha256=<hex>``) signs ``body`` with ``app_secret``."""
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    given = header.strip().removeprefix("sha256=").lower()
    return hmac.compare_digest(expected, given)


class _WebhookHandler(RequestHandler):
    def initialize(self, channel: WhatsAppChannel, whatsapp: WhatsAppConfig) -> None:
        self.channel = channel
        self.whatsapp = whatsapp

    def log_exception(self, *args: Any) -> None:
        """The default would log the request, whose URL or body may carry personal data."""

    async def get(self) -> None:
        mode = self.get_query_argument("hub.mode", "")
        token = self.get_query_argument("hub.verify_token", "")
        challenge = self.get_query_argument("hub.challenge", "")
        expected = self.whatsapp.verify_token
        if mode != "subscribe" or not expected or not hmac.compare_digest(token, expected):
            log.warning("WhatsApp webhook verification refused")
            self._answer(403, "Forbidden")
            return
        log.info("WhatsApp webhook verified")
        self._answer(200, challenge)

    async def post(self) -> None:
        header = self.request.headers.get(SIGNATURE_HEADER)
        if not header:
            log.warning("WhatsApp webhook POST without a signature refused")
            self._answer(401, "Unauthorized")
            return
        if not signature_valid(self.whatsapp.app_secret, self.request.body, header):
            log.warning("WhatsApp webhook POST with a wrong signature refused")
            self._answer(403, "Forbidden")
            return
        try:
            await self.channel.receive(self.request.body)
        except PayloadError as error:
            log.warning("WhatsApp webhook body not understood: %s", error)
            self._answer(400, "Bad Request")
            return
        except Exception as error:
            log.error("WhatsApp webhook not stored, Meta will retry: %s", type(error).__name__)
            self._answer(500, "Internal Server Error")
            return
        self._answer(200, "OK")

    def _answer(self, status: int, text: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(text)


class WebhookServer:
    """The webhook on ``[whatsapp] listen``/``port``/``path`` (``port`` 0: any free port)."""

    def __init__(self, channel: WhatsAppChannel, settings: WhatsAppConfig) -> None:
        self.channel = channel
        self.settings = settings
        self._server: HTTPServer | None = None
        self.port = settings.port

    async def start(self) -> None:
        routes = [
            (
                self.settings.path,
                _WebhookHandler,
                {"channel": self.channel, "whatsapp": self.settings},
            )
        ]
        application = Application(routes, log_function=lambda _handler: None)
        self._server = HTTPServer(application, max_body_size=MAX_BODY_BYTES)
        sockets = bind_sockets(self.settings.port, self.settings.listen)
        self.port = sockets[0].getsockname()[1]
        self._server.add_sockets(sockets)
        log.info(
            "WhatsApp webhook listening on %s:%d%s",
            self.settings.listen,
            self.port,
            self.settings.path,
        )

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None
