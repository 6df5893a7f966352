"""The plans of the editing API's mutations: each reads what it depends on, checks the
input with the rules the seed loader applies (`schema.rules.editing`, `.places`,
`.results`) and lists its writes for `schema.store.writes.apply`. A refused plan raises
`Refused` and writes nothing. `revokeApiKey` (and `ecei keys revoke`) goes the same way,
so that it leaves its audit entry too.

Natural keys as in the loader: a new cluster gets the first free slug of
`slug_candidates` and keeps it; a label's `_id` is `{cluster}/{level}/{validUntil}`, an
interview's `{cluster}/{conductedOn}`. An award date given by an editor is published
(`awardedOnInferred` false); one left out is inferred from the history, as on load.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from schema.rules.editing import (
    MAX_RECOMMENDATIONS,
    Problem,
    label_dates_problem,
    name_problem,
    slug_candidates,
    text_problem,
    website_text_problem,
)
from schema.rules.places import country_problem, website_problem
from schema.rules.results import ResultProblem, check_results
from schema.rules.text import compact_key, search_key
from schema.rules.values import date_problem
from schema.rules.vocabulary import Level
from schema.store.audit import AUDIT
from schema.store.documents import (
    CLUSTERS,
    INDICATORS,
    INTERVIEWS,
    LABELS,
    PORTFOLIOS,
    Database,
    LabelDoc,
    to_stored,
)
from schema.store.keys import KEYS
from schema.store.labels import derive_cluster_fields, infer_awards
from schema.store.writes import Doc, Plan, Refused, refuse

__all__ = [
    "EDITOR_SOURCE",
    "UNCHANGED",
    "plan_award_label",
    "plan_create_cluster",
    "plan_record_interview",
    "plan_remove_interview",
    "plan_remove_label",
    "plan_revoke_key",
    "plan_update_cluster",
    "plan_update_label",
]

# Where a document written through the API came from (the audit trail says who and when).
EDITOR_SOURCE = {"file": "api", "line": 0}


class _Unchanged:
    """A field an update leaves as it is (absent from the input), unlike None (cleared)."""

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()


# --- reads a plan depends on ---------------------------------------------------------------


async def _get(db: Database, collection: str, key: str, path: tuple[str, ...], what: str) -> Doc:
    doc = await db[collection].find_one({"_id": key})
    if doc is None:
        raise refuse(path, f"no {what} has this ID", "NOT_FOUND")
    return doc


async def _get_label(db: Database, key: str, expected: int) -> Doc:
    """The label to update or remove. One that `updateLabel` gave a new ID (its level or end
    day changed) is no longer found under the old one: that is a VERSION_CONFLICT (the label
    changed since `expected`), not NOT_FOUND, also while that update is being written."""
    doc = await db[LABELS].find_one({"_id": key})
    if doc is not None:
        return doc
    moved = await db[AUDIT].find_one(
        {
            "mutation": "updateLabel",
            "objectType": "Label",
            "before._id": key,
            "objectKey": {"$ne": key},
        },
        {"_id": 1},
    )
    if moved is None:
        raise refuse(("id",), "no label has this ID", "NOT_FOUND")
    raise refuse(
        ("expectedVersion",),
        f"the label changed since version {expected}: a new level or end day gave it "
        "a new ID; read the cluster's labels again and retry",
        "VERSION_CONFLICT",
    )


def _check_version(doc: Doc, expected: int) -> None:
    if doc.get("version", 0) != expected:
        raise refuse(
            ("expectedVersion",),
            f"the object is at version {doc.get('version', 0)}, not {expected}; "
            "read it again and retry",
            "VERSION_CONFLICT",
        )


def _warnings(website: str | None) -> list[str]:
    problem = website_problem(website) if website else None
    return [] if problem is None else [f"website {website!r}: {problem}"]


def _problems(checks: Sequence[tuple[tuple[str, ...], str | None]]) -> None:
    problems = [Problem(path, message) for path, message in checks if message is not None]
    if problems:
        raise Refused(*problems)


def _label_dates(
    prefix: tuple[str, ...], awarded_on: date | None, valid_until: date
) -> tuple[tuple[str, ...], str | None]:
    """The check of a label's dates, naming the field at fault under `prefix`."""
    found = label_dates_problem(awarded_on, valid_until)
    if found is None:
        return (*prefix, "awardedOn"), None
    field, message = found
    return (*prefix, field), message


def _label_doc(
    cluster: str, level: Level, valid_until: date, awarded_on: date | None, version: int
) -> LabelDoc:
    return {
        "_id": f"{cluster}/{level}/{valid_until.isoformat()}",
        "cluster": cluster,
        "level": level,
        "validUntil": to_stored(valid_until),
        # An inferred date is filled in by `refresh_cluster_labels`, from the history.
        "awardedOn": to_stored(awarded_on or valid_until),
        "awardedOnInferred": awarded_on is None,
        "source": dict(EDITOR_SOURCE),  # type: ignore[typeddict-item]
        "version": version,
    }


# --- clusters ------------------------------------------------------------------------------


async def plan_create_cluster(
    db: Database,
    *,
    name: str,
    country: str,
    portfolio: str,
    website: str | None,
    level: Level,
    valid_until: date,
    awarded_on: date | None,
) -> Plan:
    _problems(
        [
            (("name",), name_problem(name)),
            (("country",), country_problem(country)),
            (("website",), website_text_problem(website) if website is not None else None),
            _label_dates(("label",), awarded_on, valid_until),
        ]
    )
    folio = await _get(db, PORTFOLIOS, portfolio, ("portfolio",), "portfolio")
    key = search_key(name)
    twin = await db[CLUSTERS].find_one({"nameKey": key, "country": country}, {"_id": 1})
    if twin is not None:
        raise refuse(
            ("name",), f"cluster {twin['_id']!r} has this name in {country}", "ALREADY_EXISTS"
        )
    slug = await _free_slug(db, name, country)
    label = _label_doc(slug, level, valid_until, awarded_on, 1)
    cluster: Doc = {
        "_id": slug,
        "name": name,
        "nameKey": key,
        "compactKey": compact_key(name),
        "country": country,
        "portfolio": folio["_id"],
        "portfolioName": folio["name"],
        "website": website,
        "warnings": _warnings(website),
        **derive_cluster_fields(infer_awards([label])),
        "source": dict(EDITOR_SOURCE),
        "version": 1,
    }
    taken = f"a cluster named so in {country} exists"
    return Plan(
        "Cluster",
        slug,
        None,
        [
            # The label first: until the cluster exists, nothing lists it.
            {"op": "insert", "collection": LABELS, "doc": label, "path": ["label"], "taken": taken},
            {
                "op": "insert",
                "collection": CLUSTERS,
                "doc": cluster,
                "path": ["name"],
                "taken": taken,
            },
        ],
        cluster=slug,
    )


async def _free_slug(db: Database, name: str, country: str) -> str:
    start, stop = 2, 10
    while True:
        wanted = list(slug_candidates(name, country, start, stop))
        taken = {
            doc["_id"] async for doc in db[CLUSTERS].find({"_id": {"$in": wanted}}, {"_id": 1})
        }
        free = next((slug for slug in wanted if slug not in taken), None)
        if free is not None:
            return free
        start, stop = stop, stop * 10


async def plan_update_cluster(
    db: Database,
    key: str,
    expected_version: int,
    *,
    name: Any = UNCHANGED,
    country: Any = UNCHANGED,
    portfolio: Any = UNCHANGED,
    website: Any = UNCHANGED,
) -> Plan:
    """Change the given fields; the slug never changes. `website=None` removes it."""
    doc = await _get(db, CLUSTERS, key, ("id",), "cluster")
    _check_version(doc, expected_version)
    changes: Doc = {}
    checks: list[tuple[tuple[str, ...], str | None]] = []
    if name is not UNCHANGED:
        checks.append((("name",), name_problem(name)))
        changes |= {"name": name, "nameKey": search_key(name), "compactKey": compact_key(name)}
    if country is not UNCHANGED:
        checks.append((("country",), country_problem(country)))
        changes["country"] = country
    if website is not UNCHANGED:
        checks.append(
            (("website",), website_text_problem(website) if website is not None else None)
        )
        changes |= {"website": website, "warnings": _warnings(website)}
    _problems(checks)
    if portfolio is not UNCHANGED:
        folio = await _get(db, PORTFOLIOS, portfolio, ("portfolio",), "portfolio")
        changes |= {"portfolio": folio["_id"], "portfolioName": folio["name"]}
    natural = (changes.get("nameKey", doc["nameKey"]), changes.get("country", doc["country"]))
    if natural != (doc["nameKey"], doc["country"]):
        twin = await db[CLUSTERS].find_one(
            {"nameKey": natural[0], "country": natural[1], "_id": {"$ne": key}}, {"_id": 1}
        )
        if twin is not None:
            raise refuse(
                ("name",),
                f"cluster {twin['_id']!r} has this name in {natural[1]}",
                "ALREADY_EXISTS",
            )
    changes = {k: v for k, v in changes.items() if doc.get(k) != v}
    op: Doc = {
        "op": "update",
        "collection": CLUSTERS,
        "id": key,
        "version": expected_version,
        "set": changes,
        "path": ["name"],
        "taken": "another cluster has this name in this country",
    }
    return Plan("Cluster", key, doc, [op], cluster=key)


# --- labels --------------------------------------------------------------------------------


async def plan_award_label(
    db: Database, cluster: str, *, level: Level, valid_until: date, awarded_on: date | None
) -> Plan:
    """A new label in the cluster's history; it becomes current when it ends last."""
    _problems([_label_dates((), awarded_on, valid_until)])
    await _get(db, CLUSTERS, cluster, ("clusterId",), "cluster")
    label = _label_doc(cluster, level, valid_until, awarded_on, 1)
    if await db[LABELS].find_one({"_id": label["_id"]}, {"_id": 1}) is not None:
        raise refuse(
            ("validUntil",), "the cluster already holds this level until this day", "ALREADY_EXISTS"
        )
    taken = "the cluster already holds this level until this day"
    op: Doc = {
        "op": "insert",
        "collection": LABELS,
        "doc": label,
        "path": ["validUntil"],
        "taken": taken,
    }
    return Plan("Label", label["_id"], None, [op], cluster=cluster)


async def plan_update_label(
    db: Database,
    key: str,
    expected_version: int,
    *,
    level: Any = UNCHANGED,
    valid_until: Any = UNCHANGED,
    awarded_on: Any = UNCHANGED,
) -> Plan:
    """Correct a label. Its ID follows its natural key, so a new level or end date gives it
    a new ID (the old one then names nothing). `awarded_on=None` makes the date inferred."""
    doc = await _get_label(db, key, expected_version)
    _check_version(doc, expected_version)
    new_level: Level = doc["level"] if level is UNCHANGED else level
    new_end: date = doc["validUntil"].date() if valid_until is UNCHANGED else valid_until
    if awarded_on is UNCHANGED:
        new_award = None if doc["awardedOnInferred"] else doc["awardedOn"].date()
    else:
        new_award = awarded_on
    _problems([_label_dates((), new_award, new_end)])
    label = _label_doc(doc["cluster"], new_level, new_end, new_award, expected_version + 1)
    label["source"] = doc["source"]
    cluster = doc["cluster"]
    taken = "the cluster already holds this level until this day"
    if label["_id"] == key:
        fields = ("awardedOn", "awardedOnInferred")
        op: Doc = {
            "op": "update",
            "collection": LABELS,
            "id": key,
            "version": expected_version,
            "set": {f: label[f] for f in fields},  # type: ignore[literal-required]
            "path": ["validUntil"],
            "taken": taken,
        }
        return Plan("Label", key, doc, [op], cluster=cluster)
    if await db[LABELS].find_one({"_id": label["_id"]}, {"_id": 1}) is not None:
        raise refuse(("validUntil",), taken, "ALREADY_EXISTS")
    ops: list[Doc] = [
        # The compare-and-set first: a conflict stops the mutation before any write.
        {"op": "delete", "collection": LABELS, "id": key, "version": expected_version},
        {
            "op": "insert",
            "collection": LABELS,
            "doc": label,
            "path": ["validUntil"],
            "taken": taken,
        },
    ]
    return Plan("Label", label["_id"], doc, ops, cluster=cluster)


async def plan_remove_label(db: Database, key: str, expected_version: int) -> Plan:
    """Remove a label from the history; a cluster's last label cannot be removed.

    The rule is decided on the cluster's labels as read here, so the write is conditioned
    on the cluster's `version` read before them: a compare-and-set of the cluster, first,
    sets the label fields the cluster shows without this label. Two removals planned on
    the same labels cannot both pass it (the loser gets VERSION_CONFLICT and writes
    nothing), and every label write raises the cluster's version."""
    doc = await _get_label(db, key, expected_version)
    _check_version(doc, expected_version)
    cluster = await _get(db, CLUSTERS, doc["cluster"], ("id",), "cluster")
    others: list[LabelDoc] = [
        label async for label in db[LABELS].find({"cluster": cluster["_id"], "_id": {"$ne": key}})
    ]
    if not others:
        raise refuse(
            ("id",), "this is the cluster's only label: a listed cluster holds one", "LAST_LABEL"
        )
    guard: Doc = {
        "op": "update",
        "collection": CLUSTERS,
        "id": cluster["_id"],
        "version": cluster.get("version", 0),
        "set": derive_cluster_fields(infer_awards(others)),
        "path": ["id"],
        "taken": "the cluster changed meanwhile",
        "conflict": "the cluster's labels changed meanwhile; read them again and retry",
    }
    delete: Doc = {"op": "delete", "collection": LABELS, "id": key, "version": expected_version}
    # The cluster first: it stops showing the label before the label goes, and a conflict
    # there stops the removal before any write.
    return Plan("Label", key, doc, [guard, delete], cluster=cluster["_id"])


# --- interviews ----------------------------------------------------------------------------


async def plan_record_interview(
    db: Database,
    cluster: str,
    *,
    conducted_on: date,
    catalogue_version: str,
    results: Sequence[Mapping[str, Any]],
    recommendations: Sequence[str],
    expected_version: int | None,
) -> Plan:
    """Record a real interview (never a sample), or replace the one on that day when
    `expected_version` is given. Results follow `schema.rules.results`, as in the loader."""
    await _get(db, CLUSTERS, cluster, ("clusterId",), "cluster")
    _problems([(("conductedOn",), date_problem(conducted_on))])
    indicators = {
        doc["code"]: doc
        async for doc in db[INDICATORS].find({"catalogueVersion": catalogue_version})
    }
    if not indicators:
        raise refuse(("catalogueVersion",), "no indicator catalogue has this version", "NOT_FOUND")
    try:
        checked = check_results(results, indicators, conducted_on)
    except ResultProblem as problem:
        index = str(problem.index) if problem.index is not None else "0"
        leaf = problem.field.rsplit(".", 1)[-1]
        raise refuse(("results", index, leaf), f"{problem.value!r}: {problem.reason}") from None
    checks: list[tuple[tuple[str, ...], str | None]] = [
        (("recommendations", str(i)), text_problem(text)) for i, text in enumerate(recommendations)
    ]
    if len(recommendations) > MAX_RECOMMENDATIONS:
        checks.append((("recommendations",), f"at most {MAX_RECOMMENDATIONS}"))
    _problems(checks)
    key = f"{cluster}/{conducted_on.isoformat()}"
    existing = await db[INTERVIEWS].find_one({"_id": key})
    content: Doc = {
        "catalogueVersion": catalogue_version,
        "conductedOnInferred": False,
        "isSample": False,
        "results": checked,
        "recommendations": list(recommendations),
        "source": dict(EDITOR_SOURCE),
    }
    taken = "the cluster already has an interview on this day; give expectedVersion to replace it"
    if expected_version is None:
        if existing is not None:
            raise refuse(("conductedOn",), taken, "ALREADY_EXISTS")
        doc: Doc = {
            "_id": key,
            "cluster": cluster,
            "conductedOn": to_stored(conducted_on),
            **content,
            "version": 1,
        }
        op: Doc = {
            "op": "insert",
            "collection": INTERVIEWS,
            "doc": doc,
            "path": ["conductedOn"],
            "taken": taken,
        }
        return Plan("Interview", key, None, [op], cluster=cluster)
    if existing is None:
        raise refuse(("conductedOn",), "the cluster has no interview on this day", "NOT_FOUND")
    _check_version(existing, expected_version)
    replace: Doc = {
        "op": "update",
        "collection": INTERVIEWS,
        "id": key,
        "version": expected_version,
        "set": content,
        "path": ["conductedOn"],
        "taken": taken,
    }
    return Plan("Interview", key, existing, [replace], cluster=cluster)


async def plan_remove_interview(db: Database, key: str, expected_version: int) -> Plan:
    doc = await _get(db, INTERVIEWS, key, ("id",), "interview")
    _check_version(doc, expected_version)
    op: Doc = {"op": "delete", "collection": INTERVIEWS, "id": key, "version": expected_version}
    return Plan("Interview", key, doc, [op], cluster=doc["cluster"])


# --- API keys ------------------------------------------------------------------------------


async def plan_revoke_key(db: Database, key_id: str) -> Plan:
    """Revoke an active key (`revokedAt` set, as a compare-and-set on its version); one
    unknown or already revoked is refused with NOT_FOUND. The audit entry's `before` and
    `after` show the key's metadata, never its hash."""
    doc = await db[KEYS].find_one({"_id": key_id}, {"hash": 0})
    if doc is None or doc.get("revokedAt") is not None:
        raise refuse(("id",), "no active API key has this ID", "NOT_FOUND")
    # Seconds, as `ecei keys` writes them; naive UTC, as every stored time.
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    op: Doc = {
        "op": "update",
        "collection": KEYS,
        "id": key_id,
        "version": doc.get("version", 0),
        "set": {"revokedAt": now},
        "path": ["id"],
        "taken": "no active API key has this ID",
    }
    return Plan("ApiKey", key_id, doc, [op])
