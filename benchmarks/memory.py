"""Memory: resident set size of the bot with 10,000 conversations open at once, each at a
different survey question. Target: at most 150 MB.

Fourteen residents are walked through the real bot to each step of the survey (service,
profile, the nine questions, the suggestion); their saved conversation state and draft are
then copied to 10,000 residents in the database, spread over the steps, and a fresh process
starts the bot on that database (loading every open conversation, as after a restart) and
reports its RSS, next to the same process on an empty database.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from sqlalchemy import select

from benchmarks.harness import polling_bot
from db.base import utcnow
from db.conversations import encode_key
from db.engine import Database
from db.models import ConversationState, UserData
from db.upsert import upsert
from iku.skm import UNSUR

CONVERSATIONS = 10_000
ROOT = Path(__file__).resolve().parent.parent
# Run in a fresh interpreter: build the bot, load its state, report the RSS in MB.
PROBE = """
import asyncio, sys
from pathlib import Path
from benchmarks.harness import config_for
from bot.app import build_application
from bot.offline import OfflineBotApi

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

async def main(url):
    api = OfflineBotApi()
    app = build_application(config_for(url, Path(".")), token=api.token, request=api.request(),
                            updates_request=api.request(), rate_limit=False)
    await app.initialize()
    survey = next(h for h in app.handlers[0] if getattr(h, "name", "") == "survey")
    print(len(survey._conversations), round(rss_mb(), 1))
    await app.shutdown()

asyncio.run(main(sys.argv[1]))
"""


async def sample_steps(url: str) -> list[tuple[object, dict[str, object]]]:
    """(state, user_data) of residents stopped at each step of the survey."""
    async with polling_bot(url) as bench:
        steps = []
        for stop in range(len(UNSUR) + 6):
            person = bench.person(8_000_000 + stop)
            actions = [
                lambda p=person: p.send("/survei"),
                lambda p=person: p.tap(p.buttons()[0]),
                lambda p=person: p.tap("Perempuan"),
                lambda p=person: p.send("37"),
                lambda p=person: p.tap(p.buttons()[2]),
                lambda p=person: p.tap(p.buttons()[3]),
                *[lambda p=person, u=u: p.tap(u.options[2]) for u in UNSUR],
            ]
            for action in actions[: stop + 1]:
                await action()
            steps.append(person.user_id)
        await bench.application.update_persistence()
    database = Database(url)
    async with database.sessions() as session:
        states = {
            json.loads(row.key)[1]: row.state
            for row in await session.scalars(select(ConversationState))
        }
        data = {row.user_id: row.data for row in await session.scalars(select(UserData))}
    await database.dispose()
    return [(states[user], data[user]) for user in steps if user in states]


async def fill(url: str, samples: list[tuple[object, dict[str, object]]]) -> None:
    database = Database(url)
    now = utcnow()
    conversations, drafts = [], []
    for number in range(CONVERSATIONS):
        state, data = samples[number % len(samples)]
        user = 9_000_000 + number
        key = encode_key((user, user))
        conversations.append({"name": "survey", "key": key, "state": state, "updated_at": now})
        drafts.append({"user_id": user, "data": data, "updated_at": now})
    async with database.transaction() as session:
        await upsert(session, ConversationState, conversations, keys=("name", "key"))
        await upsert(session, UserData, drafts, keys=("user_id",))
    await database.dispose()


def probe(url: str) -> tuple[int, float]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, url], capture_output=True, text=True, cwd=ROOT, check=True
    )
    count, rss = result.stdout.split()
    return int(count), float(rss)


def main() -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory() as folder:
        empty = f"sqlite+aiosqlite:///{folder}/empty.db"
        full = f"sqlite+aiosqlite:///{folder}/full.db"
        asyncio.run(sample_steps(empty))
        _, baseline = probe(empty)
        samples = asyncio.run(sample_steps(full))
        asyncio.run(fill(full, samples))
        count, rss = probe(full)
    verdict = "ok" if rss <= 150 else "MISSED"
    return [
        ("memory: RSS, no conversation open (MB)", f"{baseline:.0f}", ""),
        (
            f"memory: RSS, {count:,} conversations open (MB)",
            f"{rss:.0f}",
            f"target <= 150 ({verdict}); {len(samples)} different survey steps",
        ),
    ]


if __name__ == "__main__":
    for row in main():
        print(" | ".join(row))
