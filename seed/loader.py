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
- **Idempotent writes.** Existing documents are read with one `find` per collection and
  compared in Python; only new documents are inserted and changed ones replaced, so a second
  identical load writes nothing. There are no transactions: writes go in the order
  portfolios, indicators, clusters, labels, interviews, and a load interrupted mid-write
  (say, the server went away) is completed by running the same load again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

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
from seed.catalogue import Catalogue
from seed.errors import RowError, ValidationFailed
from seed.interviews import SAMPLE_SEED, InterviewInput, interview_doc, sample_interview
from seed.report import COLLECTIONS, LoadReport
from seed.rows import ListingRow
from seed.vocabulary import Portfolios, load_portfolios

__all__ = ["BATCH_SIZE", "LoadInput", "Progress", "load"]

BATCH_SIZE = 500
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


async def _find(db: Database | None, collection: str, query: Mapping[str, Any]) -> list[Any]:
    if db is None:
        return []
    return [doc async for doc in db[collection].find(query)]


async def load(
    db: Database | None,
    data: LoadInput,
    *,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    sample_seed: int = SAMPLE_SEED,
) -> LoadReport:
    """Validate `data`, then write it to `db`; with `db` None, validate only (a dry run).

    Raises `ValidationFailed` (nothing written) when rows were rejected and not
    `skip_invalid`; database errors propagate as PyMongo exceptions.
    """
    errors = list(data.errors)
    groups = _group(data.rows, errors)

    # Clusters: reuse the _id of a known natural key; reject portfolio conflicts.
    keys = sorted({key for key, _ in groups.items()})
    known: dict[NaturalKey, dict[str, Any]] = {
        (doc["nameKey"], doc["country"]): doc
        for doc in await _find(db, CLUSTERS, {"nameKey": {"$in": [k for k, _ in keys]}})
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
    for doc in await _find(db, LABELS, {"cluster": {"$in": list(ids.values())}}):
        history.setdefault(doc["cluster"], {})[doc["_id"]] = doc
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

    interviews = await _interviews(db, data, clusters, history, labels, errors, sample_seed)

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
    if db is None:
        return report
    await ensure_indexes(db)
    batches: dict[str, Mapping[str, Any]] = {
        PORTFOLIOS: portfolios,
        INDICATORS: indicators,
        CLUSTERS: clusters,
        LABELS: labels,
        INTERVIEWS: interviews,
    }
    await _write(db, batches, report, progress)
    return report


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
        if db is not None:  # a dry run has no stored slugs to avoid
            wanted = [c for key in pending for c in candidates(key, start, stop)]
            taken |= {doc["_id"] for doc in await _find(db, CLUSTERS, {"_id": {"$in": wanted}})}
        still: list[NaturalKey] = []
        for key in pending:
            free = next((c for c in candidates(key, start, stop) if c not in taken), None)
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
) -> dict[str, InterviewDoc]:
    refs = [interview.cluster for interview in data.interviews]
    stored = (
        await _find(
            db,
            CLUSTERS,
            {"$or": [{"_id": {"$in": refs}}, {"nameKey": {"$in": [search_key(r) for r in refs]}}]},
        )
        if refs
        else []
    )
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
        return result
    real = {doc["cluster"] for doc in result.values()}
    real |= {
        doc["cluster"]
        for doc in await _find(
            db, INTERVIEWS, {"cluster": {"$in": list(clusters)}, "isSample": False}
        )
    }
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
    return result


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
    batches: Mapping[str, Mapping[str, Any]],
    report: LoadReport,
    progress: Progress | None,
) -> None:
    plans: list[tuple[str, list[Any], list[Any]]] = []
    for name in COLLECTIONS:
        docs = batches[name]
        stored = {doc["_id"]: doc for doc in await _find(db, name, {"_id": {"$in": list(docs)}})}
        new = [doc for key, doc in docs.items() if key not in stored]
        changed = [
            {**doc, "version": stored[key].get("version", 0) + 1}
            for key, doc in docs.items()
            if key in stored and _content(stored[key]) != _content(doc)
        ]
        counts = report.writes[name]
        counts.inserted, counts.updated = len(new), len(changed)
        counts.unchanged = len(docs) - len(new) - len(changed)
        plans.append((name, new, changed))
    total = sum(len(new) + len(changed) for _, new, changed in plans)
    done = 0
    for name, new, changed in plans:
        collection = db[name]
        for start in range(0, len(new), BATCH_SIZE):
            batch = new[start : start + BATCH_SIZE]
            await collection.insert_many(batch, ordered=True)
            done += len(batch)
            if progress is not None:
                progress(done, total)
        for start in range(0, len(changed), BATCH_SIZE):
            batch = changed[start : start + BATCH_SIZE]
            for doc in batch:
                await collection.replace_one({"_id": doc["_id"]}, doc, upsert=True)
            done += len(batch)
            if progress is not None:
                progress(done, total)
    if total:
        # Caches of answers (the API's response cache) key them on the generation.
        await bump_generation(db)


def _content(doc: Mapping[str, Any]) -> dict[str, Any]:
    """What a load compares: the document without its edit bookkeeping. A replaced
    document's version is raised, so that an editor's edit based on the old one conflicts."""
    return {k: v for k, v in doc.items() if k not in ("version", "lastMutation")}
