"""The `budgets` collection: each client's spent cost per hour, shared by every API process.

One document per client and hourly window, `_id` `{client}/{window start}`, holding `used`.
A charge is one atomic `$inc` with upsert, so concurrent requests on several processes
never lose a charge. A charge that would go over the limit is taken back at once and
refused: a refused request costs nothing. Old windows are removed by a TTL index on
`expiresAt` (MongoDB's; the embedded store keeps them, which is harmless).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pymongo import ReturnDocument

from schema.store.documents import Database

__all__ = ["BUDGETS", "WINDOW", "Budget", "charge"]

BUDGETS = "budgets"
WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Budget:
    """A client's budget after a charge: GitHub's `rateLimit` figures."""

    limit: int
    cost: int
    remaining: int
    reset_at: datetime  # naive UTC
    allowed: bool


def window_of(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0)


async def charge(db: Database, client: str, cost: int, limit: int, now: datetime) -> Budget:
    """Charge `cost` to `client`'s budget of `limit` for the hour of `now` (naive UTC)."""
    start = window_of(now)
    reset_at = start + WINDOW
    doc = await db[BUDGETS].find_one_and_update(
        {"_id": f"{client}/{start:%Y-%m-%dT%H}"},
        {
            "$inc": {"used": cost},
            "$setOnInsert": {"client": client, "expiresAt": reset_at + WINDOW},
        },
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    used = int(doc["used"])
    if used > limit:
        await db[BUDGETS].update_one({"_id": doc["_id"]}, {"$inc": {"used": -cost}})
        return Budget(limit, cost, max(0, limit - (used - cost)), reset_at, allowed=False)
    return Budget(limit, cost, limit - used, reset_at, allowed=True)
