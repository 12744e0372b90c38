"""``make bench``: every benchmark, then one table. Not part of ``make test``."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

from benchmarks import memory, report_scale, startup, throughput


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "?")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    memory_kb = next(int(line.split()[1]) for line in meminfo if "MemTotal" in line)
    # Other processes' load skews every time measured: shown so a run on a busy machine is seen.
    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory_kb / 1024 / 1024:.0f} GiB, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}; "
        f"load average at the end (1 / 5 / 15 min): {load}"
    )


def main() -> None:
    residents = int(sys.argv[1]) if len(sys.argv) > 1 else throughput.DEFAULT_RESIDENTS
    rows = [*startup.main(), *memory.main(), *report_scale.main()]
    # The WhatsApp rows come with the throughput's (its per-kind row is in that table).
    more, kind_tables = throughput.main(residents)
    rows += more
    width = max(len(name) for name, _, _ in rows)
    value_width = max(len(value) for _, value, _ in rows)
    print(f"machine: {machine()}")
    print(f"{'measure'.ljust(width)} | {'value'.rjust(value_width)} | note")
    print(f"{'-' * width}-+-{'-' * value_width}-+-{'-' * 30}")
    for name, value, note in rows:
        print(f"{name.ljust(width)} | {value.rjust(value_width)} | {note}")
    for table in kind_tables:
        print(f"\n{table}")


if __name__ == "__main__":
    main()
