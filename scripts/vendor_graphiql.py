"""Vendor the GraphiQL page's scripts and styles under api/static/graphiql/.

Strawberry's GraphiQL page loads React, GraphiQL and its explorer plugin from the unpkg CDN.
To serve the page with no internet access (and no third-party CDN), this takes every
`https://unpkg.com/<package>@<version>/<path>` the installed Strawberry names, fetches that
exact package version from the npm registry (`npm pack`), checks the file against the
page's own Subresource Integrity hash, and stores it with the package's licence. Run it
again after upgrading strawberry-graphql (needs npm):

    .venv/bin/python scripts/vendor_graphiql.py
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import strawberry

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "api" / "static" / "graphiql"
PAGE = Path(strawberry.__file__).parent / "static" / "graphiql.html"
ASSET = re.compile(
    r'(?:src|href)="https://unpkg\.com/(?P<package>(?:@[^/@"]+/)?[^/@"]+)@(?P<version>[^/"]+)'
    r'/(?P<path>[^"]+)"\s+integrity="(?P<integrity>sha384-[^"]+)"'
)


def main() -> int:
    html = PAGE.read_text(encoding="utf-8")
    assets = list(ASSET.finditer(re.sub(r"\s+", " ", html)))
    if not assets:
        print(f"no unpkg assets found in {PAGE.name}", file=sys.stderr)
        return 1
    shutil.rmtree(TARGET, ignore_errors=True)
    sources = [
        "Files served with the GraphiQL page, from the npm registry (scripts/vendor_graphiql.py).",
        "",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for asset in assets:
            package, version, path = asset["package"], asset["version"], asset["path"]
            spec = f"{package}@{version}"
            packed = (
                subprocess.run(
                    ["npm", "pack", spec, "--silent", "--pack-destination", tmp],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            with tarfile.open(Path(tmp) / packed) as archive:
                data = _member(archive, f"package/{path}")
                licence = _licence(archive)
                manifest = json.loads(_member(archive, "package/package.json"))
            digest = "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()
            if digest != asset["integrity"]:
                print(f"{spec}/{path}: integrity mismatch", file=sys.stderr)
                return 1
            destination = TARGET / spec / path
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(data)
            if licence is not None:
                (TARGET / spec / "LICENSE").write_bytes(licence)
            sources.append(f"{spec}/{path}  licence: {manifest.get('license')}  {digest}")
            print(f"{spec}/{path}: {len(data)} bytes, integrity ok")
    (TARGET / "SOURCES.txt").write_text("\n".join(sources) + "\n", encoding="utf-8")
    return 0


def _member(archive: tarfile.TarFile, name: str) -> bytes:
    extracted = archive.extractfile(name)
    if extracted is None:
        raise FileNotFoundError(name)
    return extracted.read()


def _licence(archive: tarfile.TarFile) -> bytes | None:
    for name in archive.getnames():
        if re.fullmatch(r"package/(LICEN[CS]E|license)(\.md|\.txt)?", name):
            return _member(archive, name)
    return None


if __name__ == "__main__":
    sys.exit(main())
