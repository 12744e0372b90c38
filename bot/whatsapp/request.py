"""The one place where the bot's Bot API calls split between Telegram and WhatsApp.

:class:`ChannelRouter` is the ``BaseRequest`` python-telegram-bot sends every call through. A
call aimed at a WhatsApp chat (or at a WhatsApp button press or media) is answered by the
:class:`~bot.whatsapp.channel.WhatsAppChannel` in Telegram's shape; everything else goes to the
real Telegram request unchanged, except a WhatsApp photo posted to the Trantib group under a
complaint's card: Telegram cannot fetch it, so its bytes are fetched from WhatsApp and uploaded
instead. (WhatsApp's templates never pass here: the outbox hands a WhatsApp resident's news to
the channel directly, see ``bot.whatsapp.delivery``.)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InputFile
from telegram._utils.types import JSONDict
from telegram.ext import AIORateLimiter
from telegram.request import BaseRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.whatsapp.channel import WhatsAppChannel
from bot.whatsapp.inbound import MEDIA_PREFIX


class ChannelRouter(BaseRequest):
    """Routes each call to Telegram (``telegram``) or to WhatsApp (``channel``)."""

    __slots__ = ("channel", "telegram")

    def __init__(self, telegram: BaseRequest, channel: WhatsAppChannel) -> None:
        self.telegram = telegram
        self.channel = channel

    @property
    def read_timeout(self) -> float | None:
        return self.telegram.read_timeout

    async def initialize(self) -> None:
        await self.telegram.initialize()

    async def shutdown(self) -> None:
        await self.telegram.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if request_data is not None:
            params = request_data.parameters
            if self.channel.owns(params):
                api_method = url.rstrip("/").rsplit("/", 1)[-1]
                status, body = await self.channel.call(api_method, dict(params))
                return status, json.dumps(body, ensure_ascii=False).encode()
            request_data = await self._for_telegram(request_data, params)
        elif method == "GET" and self.channel.owns_download(url):
            return await self.channel.download(url)
        return await self.telegram.do_request(
            url,
            method,
            request_data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
        )

    async def _for_telegram(self, data: RequestData, params: dict[str, Any]) -> RequestData:
        photo = params.get("photo")
        if not (isinstance(photo, str) and photo.startswith(MEDIA_PREFIX)):
            return data
        kept = [p for p in data._parameters if p.name != "photo"]
        content = await self.channel.media_bytes(photo)
        upload = InputFile(content, filename="photo.jpg")
        kept.append(RequestParameter.from_input("photo", upload))
        return RequestData(kept)


class TelegramRateLimiter(AIORateLimiter):
    """python-telegram-bot's limiter (30 messages a second overall, 20 a minute per group),
    for Telegram's calls only: WhatsApp has its own throughput, and the Graph client backs off
    on WhatsApp's 429 itself. Sharing Telegram's budget made every WhatsApp resident wait."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        if WhatsAppChannel.owns(data):
            return await callback(*args, **kwargs)
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
