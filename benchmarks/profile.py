"""Where a dialogue step's time goes: pyinstrument over N residents (default 200) taking the
survey, a quarter of them also filing a complaint. ``make profile``; needs ``.[bench]``."""

from __future__ import annotations

import asyncio
import random
import sys

from pyinstrument import Profiler

from benchmarks.harness import file_complaint, polling_bot, take_survey


async def run(residents: int) -> str:
    rng = random.Random(1)
    async with polling_bot() as bench:

        async def resident(number: int) -> None:
            person = bench.person(100 + number)
            await take_survey(person, tuple(rng.randint(1, 4) for _ in range(9)))
            if number % 4 == 0:
                await file_complaint(person)

        profiler = Profiler(async_mode="disabled")
        profiler.start()
        await asyncio.gather(*(resident(n) for n in range(residents)))
        profiler.stop()
    return str(profiler.output_text(unicode=False, color=False))


if __name__ == "__main__":
    print(asyncio.run(run(int(sys.argv[1]) if len(sys.argv) > 1 else 200)))
