"""Telegram's rate limits (30 messages a second overall) are Telegram's: WhatsApp residents do
not wait in their queue."""

from __future__ import annotations

import asyncio

from bot.whatsapp.request import TelegramRateLimiter
from db.residents import WA_BASE


async def test_whatsapp_calls_pass_telegrams_limiter_and_telegram_calls_do_not() -> None:
    limiter = TelegramRateLimiter(overall_max_rate=1, overall_time_period=60, max_retries=0)
    calls: list[int] = []

    async def call(chat_id: int) -> bool:
        calls.append(chat_id)
        return True

    async def send(chat_id: int) -> object:
        data = {"chat_id": chat_id, "text": "x"}
        return await limiter.process_request(call, (chat_id,), {}, "sendMessage", data, None)

    await limiter.initialize()
    try:
        async with asyncio.timeout(2):
            for number in range(5):  # five WhatsApp messages at once: none waits
                assert await send(WA_BASE + 6281234567890 + number) is True
            assert await send(42) is True  # Telegram's one message of the minute
        second = asyncio.create_task(send(43))
        await asyncio.sleep(0.3)
        assert not second.done()  # the next Telegram message waits for the minute
        second.cancel()
    finally:
        await limiter.shutdown()
    assert calls[:6] == [*(WA_BASE + 6281234567890 + n for n in range(5)), 42]
