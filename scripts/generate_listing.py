"""Write a generated listing (made-up clusters, never real data) as CSV or JSON.

For load tests of `ecei seed` and the benchmark; the clusters are those of
`seed.generate.generate_rows`, so the same N always gives the same file.

    python scripts/generate_listing.py N [--format csv|json] [--output FILE]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from seed.generate import GENERATE_SEED, generate_rows
from seed.tabular import csv_text, json_text


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("clusters", type=int, help="number of clusters (rows: about 1.17 each)")
    parser.add_argument("--format", choices=("csv", "json"), default="csv")
    parser.add_argument("--seed", type=int, default=GENERATE_SEED)
    parser.add_argument("--output", type=Path, help="file to write (default: stdout)")
    args = parser.parse_args(argv)
    rows = generate_rows(args.clusters, seed=args.seed)
    text = csv_text(rows) if args.format == "csv" else json_text(rows)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8", newline="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
