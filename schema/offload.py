"""CPU-bound steps off the event loops, on one worker thread shared by the process.

Parsing and validating a long document, a response cache key's normal form, a query's
cost and a page of benchmarks take milliseconds to tens of milliseconds of CPU each, which
would otherwise hold the event loop they are asked from. They run on `offload`'s thread
instead: one thread, whatever the number of requests, because Python's GIL runs one of
them at a time anyway, and every thread that wants the GIL is one more for the loop that
serves HTTP to wait behind when it wakes. asyncio's default executor (`asyncio.to_thread`)
has up to six threads per loop on a 2-core machine: in bursts of 300 distinct 2,000-token
documents, a dozen threads parsing at once held `/healthz` for up to 11 s.

The thread runs `LOWER_PRIORITY_BY` nice levels below the process (Linux), like the
execution thread (`api.execution`), so that when the CPU is contended the kernel runs the
HTTP loop first.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

__all__ = ["LOWER_PRIORITY_BY", "lower_priority", "offload"]

P = ParamSpec("P")
T = TypeVar("T")

# How much lower the worker threads' scheduling priority is than the process's (Linux
# niceness, per thread). When the CPU is contended, the kernel then runs the HTTP loop's
# thread first: in `scripts/attack.py` on a 2-core machine, ordinary requests' p99 under
# attack fell from about 15 to about 9 ms for the execution thread's. A thread still gets
# its share of an idle machine, so work alone is not slower.
LOWER_PRIORITY_BY = 10


def lower_priority() -> None:
    """Lower the calling thread's priority by `LOWER_PRIORITY_BY` (Linux only; elsewhere
    `setpriority` would take the whole process)."""
    if sys.platform != "linux":
        return
    thread = threading.get_native_id()
    with contextlib.suppress(OSError):  # lowering a priority is always allowed; be safe
        niceness = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(19, niceness + LOWER_PRIORITY_BY))


_WORKER = ThreadPoolExecutor(
    max_workers=1, thread_name_prefix="graphql-compute", initializer=lower_priority
)


async def offload(function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """`function(*args, **kwargs)` on the shared worker thread, in a copy of the caller's
    context (as `asyncio.to_thread`); calls from every loop wait their turn, in order."""
    call = functools.partial(contextvars.copy_context().run, function, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_WORKER, call)
