"""How much costly work one process takes on at once: `CostInFlight`.

`ECEI_MAX_OPERATIONS` bounds how many requests are worked on at once, whatever they ask. It
does not bound how much they ask: eight operations near the cost limit (fifteen pages of
clusters with their latest interview, `schema.guards.cost`) hold hundreds of thousands of
Python objects while their results are built, and every full collection of the garbage
collector walks them all, with the GIL held: on a 2-core machine eight such operations at
once made collections of 100 to 230 ms, and `/healthz` and every cached answer waited
that long.

So an operation costing more than `LIGHT_COST` also draws its cost from a budget of
`ECEI_MAX_COST_IN_FLIGHT` (by default the cost limit, `MAX_REQUESTED_NODES`): one
operation at the limit runs alone among the costly ones, two of 1,200 together. Costly
operations wait in order of arrival, and without holding a turn among
`ECEI_MAX_OPERATIONS` meanwhile, so the light ones (a directory page, a cluster, a
portfolio, all far below `LIGHT_COST`) never queue behind them. One that waited
`EXECUTION_DEADLINE_SECONDS` (`api.view`) is answered 503 with `Retry-After`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib

__all__ = ["LIGHT_COST", "CostInFlight", "SendPacer"]

# Operations costing at most this draw nothing from the budget. Every view of the web
# directory is light (a directory page with its facets costs 191, a cluster 95, the
# portfolios with their timeline by month 320); a page of 20 clusters with their latest
# interview's results (760) is costly. Eight light operations at once hold at most 3,200.
LIGHT_COST = 400


class CostInFlight:
    """A budget of cost units shared by the operations in flight, granted in order of
    arrival (a weighted semaphore). A request for more than the whole budget is granted
    the whole budget, so that it runs alone rather than never."""

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("the budget holds at least one unit")
        self.capacity = capacity
        self.available = capacity
        self._waiters: collections.deque[tuple[int, asyncio.Future[None]]] = collections.deque()

    async def acquire(self, cost: int) -> int:
        """Wait until `cost` units (at most the capacity) are free and take them; returns
        the units taken, which the caller gives back with `release`."""
        units = max(1, min(cost, self.capacity))
        if not self._waiters and self.available >= units:
            self.available -= units
            return units
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiter = (units, granted)
        self._waiters.append(waiter)
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self.release(units)  # granted as the wait was cancelled: give them back
            else:
                with contextlib.suppress(ValueError):  # `_grant` may have dropped it
                    self._waiters.remove(waiter)
                self._grant()  # a waiter behind it may fit now
            raise
        return units

    def release(self, units: int) -> None:
        self.available += units
        self._grant()

    def _grant(self) -> None:
        """Grant the waiters at the head of the line while their units are free. A waiter
        whose wait was cancelled (its deadline) is dropped, granted nothing: its task may
        not have run its own clean-up yet when another's release gets here."""
        while self._waiters:
            units, granted = self._waiters[0]
            if granted.done():
                self._waiters.popleft()
                continue
            if units > self.available:
                return
            self._waiters.popleft()
            self.available -= units
            granted.set_result(None)


class SendPacer:
    """Large answers written at most `budget` bytes per turn of the event loop.

    Writing an answer to a socket copies it into the kernel on the loop's thread, about a
    millisecond per 250 kB here. Two hundred clients asking at once for the same 268 kB
    answer (the first runs it, the others wait for it, `api.response_cache`) were all
    written in one go: 53 MB, and `/healthz` waited a quarter of a second behind them. Now
    a large answer waits (in order, at no cost) until its turn of the loop has room, and
    the loop serves its other connections between turns. An answer larger than `budget`
    is written alone in its turn. Nothing here waits for a client to read: the pacing is
    of writes only, so a slow reader holds nothing up."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.spent = 0
        self._waiters: collections.deque[tuple[asyncio.Future[None], int]] = collections.deque()
        self._turn_ends = False

    async def wait(self, size: int) -> None:
        """Return when `size` bytes may be written in this turn of the loop."""
        if not self._waiters and self.spent < self.budget:
            self._spend(size)
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append((waiter, size))
        self._end_turn_soon()
        await waiter

    def _spend(self, size: int) -> None:
        self.spent += size
        self._end_turn_soon()

    def _end_turn_soon(self) -> None:
        if not self._turn_ends:
            self._turn_ends = True
            # Runs once the callbacks ready now have run: at the start of the next turn.
            asyncio.get_running_loop().call_soon(self._next_turn)

    def _next_turn(self) -> None:
        self._turn_ends = False
        self.spent = 0
        while self._waiters and self.spent < self.budget:
            waiter, size = self._waiters.popleft()
            if not waiter.done():  # a request abandoned while it waited is skipped
                waiter.set_result(None)
                self._spend(size)
