"""Residents on WhatsApp (Cloud API), translated at the Bot API boundary.

The handlers, dialogues, database and jobs are the Telegram bot's, unchanged. Inbound, each
signed webhook message is stored (:mod:`bot.whatsapp.webhook`), then becomes a Telegram-shaped
``Update`` for the same Application (:mod:`bot.whatsapp.inbound`, :mod:`bot.whatsapp.channel`).
Outbound, a ``BaseRequest`` (:mod:`bot.whatsapp.request`) hands every Bot API call aimed at a
WhatsApp chat to the channel, which answers python-telegram-bot as Telegram would and sends the
WhatsApp form (:mod:`bot.whatsapp.rules`) through the Graph API (:mod:`bot.whatsapp.graph`).

A WhatsApp resident's user and chat id is ``WA_BASE + wa_id`` (see ``db.residents.identity``).

Why not pywa (the maintained Cloud API library, 4.5): its client fixes the Graph URL in its
constructor (``https://graph.facebook.com/v{version}``; a stand-in needs a private attribute
overwritten), logs request bodies with phone numbers and texts at debug level, has no back-off
on 429/5xx, and its webhook side is a second dispatcher with its own handlers and server
framework (FastAPI/Flask), where this bot needs the raw payload to store before answering and
to turn into an ``Update``. What it would give here is an HMAC check and JSON shapes; importing
it costs about 0.6 s of start-up. So the few Graph calls are made with httpx (already a
dependency of python-telegram-bot) and the signature is checked with ``hmac``.
"""
