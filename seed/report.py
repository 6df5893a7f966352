"""What a load did, or would do: counts, warnings and rejected rows, as JSON or text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schema.store.documents import CLUSTERS, INDICATORS, INTERVIEWS, LABELS, PORTFOLIOS
from seed.errors import RowError
from seed.rows import SeedWarning

__all__ = ["COLLECTIONS", "LoadReport", "WriteCounts"]

# The order in which the loader writes.
COLLECTIONS = (PORTFOLIOS, INDICATORS, CLUSTERS, LABELS, INTERVIEWS)


@dataclass
class WriteCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class LoadReport:
    """Counts are of the input (documents the load carries), per collection; `writes` says
    how many of them were inserted, updated or already identical in the database."""

    dry_run: bool = False
    clusters: int = 0
    portfolios: int = 0
    labels: int = 0
    indicators: int = 0
    interviews: int = 0
    writes: dict[str, WriteCounts] = field(
        default_factory=lambda: {name: WriteCounts() for name in COLLECTIONS}
    )
    warnings: list[SeedWarning] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)

    @property
    def inserted(self) -> int:
        return sum(counts.inserted for counts in self.writes.values())

    @property
    def updated(self) -> int:
        return sum(counts.updated for counts in self.writes.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "dryRun": self.dry_run,
            "counts": {
                PORTFOLIOS: self.portfolios,
                INDICATORS: self.indicators,
                CLUSTERS: self.clusters,
                LABELS: self.labels,
                INTERVIEWS: self.interviews,
            },
            # A dry run never reads the database, so it cannot say what would change.
            "writes": None
            if self.dry_run
            else {
                name: {
                    "inserted": counts.inserted,
                    "updated": counts.updated,
                    "unchanged": counts.unchanged,
                }
                for name, counts in self.writes.items()
            },
            "warnings": [
                {
                    "file": w.file,
                    "line": w.line,
                    "field": w.field,
                    "value": w.value,
                    "message": w.message,
                }
                for w in self.warnings
            ],
            "rejected": [
                {
                    "file": e.file,
                    "line": e.line,
                    "field": e.field,
                    "value": e.value,
                    "reason": e.reason,
                }
                for e in self.rejected
            ],
        }

    def to_text(self) -> str:
        mode = "dry run, nothing written" if self.dry_run else "loaded"
        lines = [
            f"{mode}: {self.clusters} clusters, {self.labels} labels, "
            f"{self.portfolios} portfolios, {self.indicators} indicators, "
            f"{self.interviews} interviews"
        ]
        if not self.dry_run:
            for name, counts in self.writes.items():
                lines.append(
                    f"  {name:<11} {counts.inserted:>6} inserted {counts.updated:>6} updated "
                    f"{counts.unchanged:>6} unchanged"
                )
        lines.extend(f"warning: {warning}" for warning in self.warnings)
        if self.rejected:  # each one is printed on stderr by `ecei seed`
            lines.append(f"rejected: {len(self.rejected)} row(s)")
        return "\n".join(lines)
