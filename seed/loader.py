"""The loader: validate everything, then write idempotent upserts in a fixed order.

Semantics:

- **Validate first.** Every input (listings, catalogue, interviews) is parsed and checked,
  including against what the database already holds, before the first write. Every
  rejected row is collected; unless `skip_invalid` is set, any rejection raises
  `ValidationFailed` and nothing is written.
- **Duplicates are reported, never merged.** Rows with the same natural key
  (`search_key(name)`, `country`) and the same level and end date are duplicates: the later
  one is rejected as `duplicate of line N`. The same cluster under another portfolio is a
  conflict, rejected too. The same cluster with another level or end date is label history.
- **Natural keys.** A cluster keeps the `_id` it was first given; a new one gets the slug of
  its name, or on a collision with another cluster `-{country}`, then `-2`, `-3`... Labels,
  portfolios, indicators and interviews use the keys of `schema.store.documents`.
- **Label history.** A renewal adds a label document; the cluster embeds its whole history
  (`history`, each label with the last day it is in force) and its current `label`, the
  last one awarded. Award dates are inferred (`awardedOnInferred`), as a renewal when the
  cluster holds an earlier BRONZE label. Both derivations are `schema.store.labels`
  (`derive_cluster_fields`, which calls `schema.store.documents.embedded_labels`), which
  the mutations call too. A load never deletes.
- **Idempotent writes.** Existing documents are read in batches (`seed.bulk`: no command
  over the 16 MiB BSON limit, whatever the input size) and compared in Python (without
  their edit bookkeeping: `version`, `lastMutation`); only new documents are inserted and
  changed ones replaced, with their `version` raised, so a second identical load writes
  nothing and an editor's edit based on the old document conflicts. There are no
  transactions: writes go in the order portfolios, indicators, clusters, labels,
  interviews, as unordered bulk writes, and a load interrupted mid-write
  (say, the server went away) is completed by running the same load again.
- **Concurrent loads.** Documents whose content depends on the input alone (portfolios,
  indicators, imported interviews) are upserts keyed on their natural key. Documents a
  read decided (a cluster's slug and current label, a label's inferred award date, a
  sample interview) are compare-and-set: an insert that a unique index refuses if another
  load created the document first, or a replace filtered on the document as it was read.
  A conflict stops the load before the collections that depend on it; the load then plans
  again from what the database now holds and writes the difference. Unless `bulk`, a load
  ends only when planning again finds nothing to write, so of two loads running at once
  the one that finishes last has seen everything the other wrote: the result is that of
  the two loads run one after the other. Writes use `w: majority` on a replica set.
- **Bulk mode** (`bulk=True`, for a store private to this process such as the embedded
  one): unique indexes are built after the writes instead of before, since mongomock
  checks a unique index by scanning the collection on every insert. Uniqueness is still
  checked: natural keys in Python while planning, then by the index build itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast

from pymongo import InsertOne, ReplaceOne
from pymongo.write_concern import WriteConcern

from schema.rules.editing import slug_candidates
from schema.rules.labels import LEVEL_RANK, in_force_order
from schema.rules.text import compact_key, search_key, slugify
from schema.store.documents import (
    CLUSTERS,
    INDICATORS,
    INTERVIEWS,
    LABELS,
    PORTFOLIOS,
    ClusterDoc,
    Database,
    InterviewDoc,
    LabelDoc,
    PortfolioDoc,
    award,
    to_stored,
)
from schema.store.generation import bump_generation
from schema.store.indexes import ensure_indexes
from schema.store.labels import derive_cluster_fields, infer_awards
from seed.bulk import Write, find_in, write
from seed.catalogue import Catalogue
from seed.errors import LoadConflict, RowError, ValidationFailed
from seed.interviews import SAMPLE_SEED, InterviewInput, interview_doc, sample_interview
from seed.report import COLLECTIONS, LoadReport
from seed.rows import ListingRow
from seed.vocabulary import Portfolios, load_portfolios

__all__ = ["MAX_ROUNDS", "LoadInput", "Progress", "load"]

# Plan-and-write rounds before a load gives up on a database that keeps changing under it.
MAX_ROUNDS = 5
# Labels one cluster may hold (a label lasts two or three years): a cluster's document
# embeds its history, and this keeps every document far under MongoDB's 16 MiB.
MAX_LABELS_PER_CLUSTER = 1000
# Called after each written batch with (documents written so far, documents to write).
Progress = Callable[[int, int], None]

NaturalKey = tuple[str, str]  # (search_key(name), country)
# Folding text is the loader's main cost on large inputs: a listing has a few portfolios
# for many rows, so their slugs are computed once.
_portfolio_slug = lru_cache(maxsize=256)(slugify)


@dataclass
class LoadInput:
    """Everything one load carries, already parsed; `errors` are the parsers' rejections."""

    rows: list[ListingRow]
    catalogue: Catalogue
    interviews: list[InterviewInput] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    sample_interviews: bool = False
    portfolios: Portfolios = field(default_factory=load_portfolios)


def _where(row: ListingRow, other: ListingRow) -> str:
    return f"line {other.line}" if other.file == row.file else f"{other.file}:{other.line}"


async def load(
    db: Database | None,
    data: LoadInput,
    *,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    sample_seed: int = SAMPLE_SEED,
    bulk: bool = False,
) -> LoadReport:
    """Validate `data`, then write it to `db`; with `db` None, validate only (a dry run).

    Raises `ValidationFailed` (nothing written) when rows were rejected and not
    `skip_invalid`; `LoadConflict` when other writers kept changing the documents of this
    load for `MAX_ROUNDS` rounds; database errors propagate as PyMongo exceptions.
    """
    if not skip_invalid:
        # What is wrong with the input alone is reported before the database is asked
        # anything: a bad row, not an unreachable server, is what the user must fix first.
        found = list(data.errors)
        _group(data.rows, found)
        if found:
            raise ValidationFailed(found)
    plan = await _plan(db, data, skip_invalid=skip_invalid, sample_seed=sample_seed)
    report = plan.report
    if db is None:
        return report
    if not bulk:
        await ensure_indexes(db)
    concern = await _write_concern(db)
    wrote = False
    try:
        for round_ in range(1, MAX_ROUNDS + 1):
            if round_ > 1:
                plan = await _plan(db, data, skip_invalid=skip_invalid, sample_seed=sample_seed)
            conflicted = await _write(db, plan, report, progress, concern, first=round_ == 1)
            wrote = wrote or plan.writes > 0
            if bulk and not conflicted:
                await ensure_indexes(db)
                return report
            if not conflicted and not plan.writes:
                return report
        raise LoadConflict(MAX_ROUNDS)
    finally:
        if wrote or plan.writes:
            # Caches of answers (the API's response cache) key them on the generation: any
            # write, even of a load cut short, makes them stale.
            await bump_generation(db)


async def _write_concern(db: Database) -> WriteConcern | None:
    """`w: majority` on a replica set, so that a completed load survives a failover."""
    try:
        hello = await db.command("hello")
    except NotImplementedError:  # the embedded store has no servers
        return None
    return WriteConcern("majority") if hello.get("setName") else None


@dataclass
class _Plan:
    """What one round would write: each collection's documents by `_id`, and the stored
    documents that the decisions were read from (the compare-and-set basis)."""

    report: LoadReport
    docs: dict[str, Mapping[str, Any]]
    basis: dict[str, dict[str, Any]]
    samples: set[str]  # _id of the sample interviews
    writes: int = 0  # documents new or changed, once `_write` has compared them


async def _plan(
    db: Database | None, data: LoadInput, *, skip_invalid: bool, sample_seed: int
) -> _Plan:
    errors = list(data.errors)
    groups = _group(data.rows, errors)

    # Clusters: reuse the _id of a known natural key; reject portfolio conflicts.
    keys = sorted({key for key, _ in groups.items()})
    stored_clusters = await _find_in(db, CLUSTERS, "nameKey", (k for k, _ in keys))
    known: dict[NaturalKey, dict[str, Any]] = {
        (doc["nameKey"], doc["country"]): doc for doc in stored_clusters
    }
    for key, rows in list(groups.items()):
        existing = known.get(key)
        if existing is not None and existing["portfolio"] != _portfolio_slug(rows[0].portfolio):
            for row in rows:
                errors.append(
                    RowError(
                        row.file,
                        row.line,
                        "portfolio",
                        row.portfolio,
                        f"conflicts with portfolio {existing['portfolioName']!r} "
                        f"of {existing['_id']!r} in the database",
                    )
                )
            del groups[key]
    ids = await _assign_ids(db, groups, known)

    # Labels: the whole history of every cluster in the input.
    history: dict[str, dict[str, LabelDoc]] = {cluster: {} for cluster in ids.values()}
    for found in await _find_in(db, LABELS, "cluster", ids.values()):
        history.setdefault(found["cluster"], {})[found["_id"]] = cast(LabelDoc, found)
    stored_labels = {lid: doc for docs in history.values() for lid, doc in docs.items()}
    input_label_ids: set[str] = set()
    for key, rows in groups.items():
        cluster = ids[key]
        for row in rows:
            label_id = f"{cluster}/{row.level}/{row.valid_until.isoformat()}"
            input_label_ids.add(label_id)
            if label_id not in history[cluster]:
                history[cluster][label_id] = {
                    "_id": label_id,
                    "cluster": cluster,
                    "level": row.level,
                    "validUntil": to_stored(row.valid_until),
                    "awardedOn": to_stored(row.valid_until),  # set by _infer_awards
                    "awardedOnInferred": True,
                    "source": {"file": row.file, "line": row.line},
                }
    # A cluster's document embeds its whole label history: bounded, so that no document
    # nears MongoDB's 16 MiB limit whatever the input.
    for key, rows in list(groups.items()):
        cluster = ids[key]
        if len(history[cluster]) > MAX_LABELS_PER_CLUSTER:
            row = rows[-1]
            errors.append(
                RowError(
                    row.file,
                    row.line,
                    "name",
                    row.name,
                    f"{len(history[cluster])} labels for this cluster (the listing's and the "
                    f"database's); at most {MAX_LABELS_PER_CLUSTER}",
                )
            )
            input_label_ids.difference_update(history.pop(cluster))
            del groups[key]

    labels: dict[str, LabelDoc] = {}
    for docs in history.values():
        for doc in infer_awards(docs.values()):
            if doc["_id"] in input_label_ids or doc != stored_labels.get(doc["_id"]):
                labels[doc["_id"]] = doc

    clusters: dict[str, ClusterDoc] = {}
    for key, rows in groups.items():
        cluster = ids[key]
        clusters[cluster] = _cluster_doc(
            cluster, key[0], rows, known.get(key), list(history[cluster].values()), labels
        )

    interviews, samples = await _interviews(
        db, data, clusters, history, labels, errors, sample_seed
    )

    if errors and not skip_invalid:
        raise ValidationFailed(errors)

    vocabulary = data.portfolios
    portfolios: dict[str, PortfolioDoc] = {
        slugify(name): {"_id": slugify(name), "name": name, "nameKey": search_key(name)}
        for name in vocabulary.names
    }
    indicators = {doc["_id"]: doc for doc in data.catalogue.indicators}
    report = LoadReport(
        dry_run=db is None,
        clusters=len(clusters),
        portfolios=len(portfolios),
        labels=len(input_label_ids),
        indicators=len(indicators),
        interviews=len(interviews),
        warnings=[w for key in groups for row in groups[key] for w in row.warnings],
        rejected=errors,
    )
    return _Plan(
        report=report,
        docs={
            PORTFOLIOS: portfolios,
            INDICATORS: indicators,
            CLUSTERS: clusters,
            LABELS: labels,
            INTERVIEWS: interviews,
        },
        basis={
            CLUSTERS: {doc["_id"]: doc for doc in stored_clusters},
            LABELS: dict(stored_labels),
        },
        samples=samples,
    )


async def _find_in(
    db: Database | None, collection: str, path: str, values: Iterable[Any], **options: Any
) -> list[dict[str, Any]]:
    return [] if db is None else await find_in(db, collection, path, values, **options)


def _group(
    rows: Sequence[ListingRow], errors: list[RowError]
) -> dict[NaturalKey, list[ListingRow]]:
    """Rows by natural key, in input order; duplicates and portfolio conflicts rejected."""
    groups: dict[NaturalKey, list[ListingRow]] = {}
    for row in rows:
        key = (search_key(row.name), row.country)
        group = groups.setdefault(key, [])
        same = next(
            (o for o in group if (o.level, o.valid_until) == (row.level, row.valid_until)), None
        )
        if same is not None:
            errors.append(
                RowError(row.file, row.line, "name", row.name, f"duplicate of {_where(row, same)}")
            )
            continue
        if group and group[0].portfolio != row.portfolio:
            errors.append(
                RowError(
                    row.file,
                    row.line,
                    "portfolio",
                    row.portfolio,
                    f"conflicts with portfolio {group[0].portfolio!r} of the same cluster at "
                    f"{_where(row, group[0])}",
                )
            )
            continue
        group.append(row)
    return {key: group for key, group in groups.items() if group}


async def _assign_ids(
    db: Database | None,
    groups: Mapping[NaturalKey, list[ListingRow]],
    known: Mapping[NaturalKey, dict[str, Any]],
) -> dict[NaturalKey, str]:
    ids = {key: known[key]["_id"] for key in groups if key in known}
    bases = {key: slugify(rows[0].name) for key, rows in groups.items() if key not in ids}

    def candidates(key: NaturalKey, start: int, stop: int) -> list[str]:
        return list(slug_candidates(groups[key][0].name, key[1], start, stop, base=bases[key]))

    taken: set[str] = set(ids.values())
    start, stop = 2, 10
    pending = [key for key in groups if key not in ids]
    while pending:
        wanted = {key: candidates(key, start, stop) for key in pending}
        if db is not None:  # a dry run has no stored slugs to avoid
            every = (c for key in pending for c in wanted[key])
            found = await _find_in(db, CLUSTERS, "_id", every, projection={"_id": 1})
            taken |= {doc["_id"] for doc in found}
        still: list[NaturalKey] = []
        for key in pending:
            free = next((c for c in wanted[key] if c not in taken), None)
            if free is None:
                still.append(key)
                continue
            ids[key] = free
            taken.add(free)
        pending, start, stop = still, stop, stop * 10
    return ids


def _cluster_doc(
    cluster: str,
    name_key: str,
    rows: list[ListingRow],
    existing: Mapping[str, Any] | None,
    history: list[LabelDoc],
    recomputed: Mapping[str, LabelDoc],
) -> ClusterDoc:
    docs = [recomputed.get(doc["_id"], doc) for doc in history]
    derived = derive_cluster_fields(docs)  # the history holds at least the row's label
    current = max(docs, key=lambda doc: in_force_order(award(doc)))
    latest = max(rows, key=lambda row: (row.valid_until, LEVEL_RANK[row.level]))
    if existing is not None and to_stored(latest.valid_until) < max(d["validUntil"] for d in docs):
        # The database already knows a later label: this input is older news, so the
        # published name and website stay those of the later listing.
        doc: ClusterDoc = {**existing, **derived, "source": current["source"]}  # type: ignore[typeddict-item]
        return doc
    return {
        "_id": cluster,
        "name": latest.name,
        "nameKey": name_key,  # every row of the group has this search key
        "compactKey": compact_key(latest.name),
        "country": latest.country,
        "portfolio": _portfolio_slug(latest.portfolio),
        "portfolioName": latest.portfolio,
        "website": latest.website,
        "warnings": [f"{w.field} {w.value!r}: {w.message}" for w in latest.warnings],
        **derived,  # type: ignore[typeddict-item]
        "source": current["source"],
    }


async def _interviews(
    db: Database | None,
    data: LoadInput,
    clusters: Mapping[str, ClusterDoc],
    history: Mapping[str, Mapping[str, LabelDoc]],
    labels: Mapping[str, LabelDoc],
    errors: list[RowError],
    sample_seed: int,
) -> tuple[dict[str, InterviewDoc], set[str]]:
    """The interviews to write by `_id`, and the `_id` of those that are samples."""
    refs = [interview.cluster for interview in data.interviews]
    wanted = {"nameKey": 1, "country": 1}
    stored = await _find_in(db, CLUSTERS, "_id", refs, projection=wanted)
    stored += await _find_in(db, CLUSTERS, "nameKey", map(search_key, refs), projection=wanted)
    candidates: dict[str, Mapping[str, Any]] = {doc["_id"]: doc for doc in stored}
    candidates.update(clusters)
    result: dict[str, InterviewDoc] = {}
    lines: dict[str, InterviewInput] = {}
    for interview in data.interviews:
        cluster = _resolve(interview, candidates, errors)
        if cluster is None:
            continue
        doc = interview_doc(interview, cluster, data.catalogue.version)
        first = lines.get(doc["_id"])
        if first is not None:
            where = (
                f"line {first.line}"
                if first.file == interview.file
                else f"{first.file}:{first.line}"
            )
            errors.append(
                RowError(
                    interview.file,
                    interview.line,
                    "conductedOn",
                    interview.conducted_on.isoformat(),
                    f"duplicate of {where}",
                )
            )
            continue
        lines[doc["_id"]] = interview
        result[doc["_id"]] = doc
    if not data.sample_interviews:
        return result, set()
    real = {doc["cluster"] for doc in result.values()}
    found = await _find_in(
        db, INTERVIEWS, "cluster", clusters, also={"isSample": False}, projection={"cluster": 1}
    )
    real |= {doc["cluster"] for doc in found}
    samples: set[str] = set()
    for cluster, cluster_doc in clusters.items():
        if cluster in real:
            continue  # never put a sample beside a real interview
        awards = [labels.get(lid, label)["awardedOn"] for lid, label in history[cluster].items()]
        sample = sample_interview(
            cluster,
            cluster_doc["portfolioName"],
            min(awards).date(),
            data.catalogue,
            seed=sample_seed,
        )
        result[sample["_id"]] = sample
        samples.add(sample["_id"])
    return result, samples


def _resolve(
    interview: InterviewInput, candidates: Mapping[str, Mapping[str, Any]], errors: list[RowError]
) -> str | None:
    if interview.cluster in candidates:
        return interview.cluster
    key = search_key(interview.cluster)
    matches = [
        cid
        for cid, doc in candidates.items()
        if doc["nameKey"] == key and interview.country in (None, doc["country"])
    ]
    if len(matches) == 1:
        return matches[0]
    reason = (
        f"ambiguous: {', '.join(sorted(matches))}; give a country or the slug"
        if matches
        else "unknown cluster: not in this load nor in the database"
    )
    errors.append(RowError(interview.file, interview.line, "cluster", interview.cluster, reason))
    return None


async def _write(
    db: Database,
    plan: _Plan,
    report: LoadReport,
    progress: Progress | None,
    concern: WriteConcern | None,
    *,
    first: bool,
) -> bool:
    """Write what differs from the database, collection by collection; True when another
    writer got there first, in which case the collections after that one are left for the
    next round (they may refer to what conflicted)."""
    # Upserts for what the input alone decides; compare-and-set for what a read decided.
    upserted = {PORTFOLIOS, INDICATORS}
    steps: list[tuple[str, list[Write]]] = []
    for name in COLLECTIONS:
        docs = plan.docs[name]
        stored = plan.basis.get(name)
        if stored is None:
            stored = {doc["_id"]: doc for doc in await find_in(db, name, "_id", docs)}
        operations: list[Write] = []
        new = changed = 0
        for key, doc in docs.items():
            before = stored.get(key)
            if before is not None and _content(before) == _content(doc):
                continue
            if before is not None:
                doc = {**doc, "version": before.get("version", 0) + 1}
            upsert = name in upserted or (name == INTERVIEWS and key not in plan.samples)
            if upsert:
                operations.append(ReplaceOne({"_id": key}, doc, upsert=True))
            elif before is None:
                operations.append(InsertOne(doc))
            else:
                operations.append(ReplaceOne(dict(before), doc))
            new, changed = (new + 1, changed) if before is None else (new, changed + 1)
        counts = report.writes[name]
        if first:
            counts.unchanged = len(docs) - new - changed
        else:
            counts.unchanged = max(0, counts.unchanged - new - changed)
        counts.inserted += new
        counts.updated += changed
        steps.append((name, operations))
    plan.writes = sum(len(operations) for _, operations in steps)
    done = 0

    async def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, plan.writes)

    for name, operations in steps:
        if not operations:
            continue
        written = await write(db, name, operations, write_concern=concern, after_batch=advance)
        if written.conflicts:
            return True
    return False


def _content(doc: Mapping[str, Any]) -> dict[str, Any]:
    """What a load compares: the document without its edit bookkeeping. A replaced
    document's version is raised, so that an editor's edit based on the old one conflicts."""
    return {k: v for k, v in doc.items() if k not in ("version", "lastMutation")}
