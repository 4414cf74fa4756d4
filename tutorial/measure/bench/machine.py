"""The machine and the workers: CPU time, peak memory, and the facts a page cites."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from tutorial.kit.stack import RunningServer

MIB = 1024 * 1024


def worker_processes(server: RunningServer) -> list[Any]:
    """gunicorn's workers, as ``psutil.Process`` objects."""
    import psutil

    return psutil.Process(server.process.pid).children()


def cpu_seconds(processes: list[Any]) -> float:
    """User and system time the processes have used so far."""
    total = 0.0
    for process in processes:
        times = process.cpu_times()
        total += times.user + times.system
    return total


def peak_rss(process: Any) -> int:
    """The most memory the process has held, in bytes.

    Linux keeps the high-water mark (``VmHWM``); elsewhere the RSS right now.
    """
    status = Path(f"/proc/{process.pid}/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return process.memory_info().rss


def machine(load_at_start: tuple[float, float, float]) -> dict[str, Any]:
    import psutil

    return {
        "system": platform.platform(terse=True),
        "processor": processor_name(),
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 1024**3, 1),
        "python": platform.python_version(),
        "load_average_at_start": [round(load, 2) for load in load_at_start],
        "load_average_at_end": [round(load, 2) for load in os.getloadavg()],
    }


def processor_name() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def versions(redis_version: str) -> dict[str, str]:
    packages = ["django", "djangorestframework", "pyjwt", "cryptography"]
    packages += ["redis", "gunicorn", "locust"]
    return {name: metadata.version(name) for name in packages} | {
        "redis_server": redis_version
    }
