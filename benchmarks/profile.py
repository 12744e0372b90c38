"""Where the bot's time goes: pyinstrument over the throughput workload (residents taking the
survey, a quarter filing a complaint and asking ``/status``, the official moving complaints and
listing them), as fast as the bot answers or paced at a given rate. ``make profile``; needs
``.[bench]``.

Usage: ``python -m benchmarks.profile [RESIDENTS] [RATE]`` (default 200 residents at once; with
RATE, residents pausing between taps so that about RATE updates a second arrive). The text is
printed; ``benchmarks/profiles/`` keeps the ones the README quotes.
"""

from __future__ import annotations

import asyncio
import sys

from pyinstrument import Profiler

from benchmarks.harness import percentiles
from benchmarks.throughput import full_bot, paced_think


async def run(residents: int, rate: float | None) -> str:
    profiler = Profiler(async_mode="disabled")
    profiler.start()
    think = paced_think(rate) if rate else 0
    done = await full_bot(residents, None, think=think)
    profiler.stop()
    p50, p95, p99 = percentiles([timing.wait for timing in done.timings])
    heading = (
        f"{done.count:,} updates at {done.rate:,.0f}/s; wait p50 / p95 / p99 "
        f"{p50:.1f} / {p95:.1f} / {p99:.1f} ms (under the profiler)\n"
    )
    return heading + str(profiler.output_text(unicode=False, color=False))


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    paced = float(sys.argv[2]) if len(sys.argv) > 2 else None
    print(asyncio.run(run(count, paced)))
