"""One-time sign-in links: ``{[web] base_url}/masuk/<token>``, valid :data:`LINK_MINUTES`,
usable once. Issued by ``/web`` in the bot and by ``ajung-bot web-link``; used by
:mod:`bot.web.auth`. Only officials (anyone in ``[roles]``) get one.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from bot.config import Config
from db import web
from db.engine import Database
from handlers.officials import ALL_ROLES

LINK_MINUTES = 10
SIGN_IN_PATH = "/masuk/"


def may_sign_in(config: Config, user_id: int) -> bool:
    """Whether ``user_id`` holds any role of ``[roles]``."""
    return config.roles.has(user_id, *ALL_ROLES)


async def issue_link(database: Database, config: Config, user_id: int, now: datetime) -> str:
    """A new link for ``user_id``, stored (as a hash) and committed. The caller checks
    :func:`may_sign_in` first; the link is refused at use too if the role is gone by then."""
    token = secrets.token_urlsafe(32)
    async with database.transaction() as session:
        await web.record_link(
            session,
            token=token,
            user_id=user_id,
            now=now,
            expires_at=now + timedelta(minutes=LINK_MINUTES),
        )
    return f"{config.web.base_url}{SIGN_IN_PATH}{token}"
