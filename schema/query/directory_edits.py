"""Mutations of the directory, scope `directory:write`: `createCluster`, `updateCluster`,
`awardLabel`, `updateLabel`, `removeLabel`."""

from __future__ import annotations

from typing import Annotated, cast

import strawberry

from schema.query.editing import key_of, or_unchanged, removed_id, required, run_mutation
from schema.rules.vocabulary import Level
from schema.store.documents import ClusterDoc, LabelDoc
from schema.store.edits import (
    plan_award_label,
    plan_create_cluster,
    plan_remove_label,
    plan_update_cluster,
    plan_update_label,
)
from schema.store.writes import Outcome, Plan, read_object
from schema.types.context import Info
from schema.types.directory import Cluster, Label
from schema.types.enums import LabelLevel
from schema.types.mutations import (
    AwardLabelInput,
    ClusterPayload,
    CreateClusterInput,
    LabelPayload,
    RemoveLabelInput,
    RemoveLabelPayload,
    UpdateClusterInput,
    UpdateLabelInput,
    user_errors,
)
from schema.types.resolvers import resolver

__all__ = ["DirectoryMutation"]

_SCOPE = " Needs the scope `directory:write`."


_WHAT = strawberry.argument(description="What to write.")


def _level(level: LabelLevel) -> Level:
    return cast(Level, level.name)


async def _cluster(info: Info, key: str | None) -> Cluster | None:
    doc = await read_object(info.context.db, "Cluster", key) if key else None
    today = info.context.today
    return Cluster.from_document(cast(ClusterDoc, doc), today) if doc else None


async def _cluster_payload(info: Info, outcome: Outcome, cmid: str | None) -> ClusterPayload:
    after = cast(ClusterDoc | None, outcome.after)
    cluster = Cluster.from_document(after, info.context.today) if after else None
    return ClusterPayload(
        cluster=cluster, user_errors=user_errors(outcome.problems), client_mutation_id=cmid
    )


async def _label_payload(info: Info, outcome: Outcome, cmid: str | None) -> LabelPayload:
    after = cast(LabelDoc | None, outcome.after)
    label = Label.from_document(after, after["cluster"], None) if after else None
    return LabelPayload(
        label=label,
        cluster=await _cluster(info, outcome.cluster),
        user_errors=user_errors(outcome.problems),
        client_mutation_id=cmid,
    )


@strawberry.type
class DirectoryMutation:
    @resolver(
        description="Add a cluster with its first label. Its slug is derived from the name "
        "(as on load) and never changes." + _SCOPE
    )
    async def create_cluster(
        self, info: Info, input: Annotated[CreateClusterInput, _WHAT]
    ) -> ClusterPayload | None:
        async def plan() -> Plan:
            return await plan_create_cluster(
                info.context.db,
                name=input.name,
                country=input.country,
                portfolio=input.portfolio,
                website=input.website,
                level=_level(input.level),
                valid_until=input.valid_until,
                awarded_on=input.awarded_on,
            )

        cmid = input.client_mutation_id
        outcome = await run_mutation(info, "directory:write", "createCluster", cmid, plan)
        return await _cluster_payload(info, outcome, cmid)

    @resolver(
        description="Change a cluster's name, country, portfolio or website; the slug stays."
        + _SCOPE
    )
    async def update_cluster(
        self, info: Info, input: Annotated[UpdateClusterInput, _WHAT]
    ) -> ClusterPayload | None:
        async def plan() -> Plan:
            return await plan_update_cluster(
                info.context.db,
                key_of(input.id, "Cluster", "id"),
                input.expected_version,
                name=required(input.name, "name"),
                country=required(input.country, "country"),
                portfolio=required(input.portfolio, "portfolio"),
                website=or_unchanged(input.website),
            )

        cmid = input.client_mutation_id
        outcome = await run_mutation(info, "directory:write", "updateCluster", cmid, plan)
        return await _cluster_payload(info, outcome, cmid)

    @resolver(
        description="Award a label: it joins the cluster's history and becomes its current "
        "label when it ends last." + _SCOPE
    )
    async def award_label(
        self, info: Info, input: Annotated[AwardLabelInput, _WHAT]
    ) -> LabelPayload | None:
        async def plan() -> Plan:
            return await plan_award_label(
                info.context.db,
                key_of(input.cluster_id, "Cluster", "clusterId"),
                level=_level(input.level),
                valid_until=input.valid_until,
                awarded_on=input.awarded_on,
            )

        cmid = input.client_mutation_id
        outcome = await run_mutation(info, "directory:write", "awardLabel", cmid, plan)
        return await _label_payload(info, outcome, cmid)

    @resolver(
        description="Correct a label's level or dates. A new level or end day changes its ID, "
        "which follows its natural key." + _SCOPE
    )
    async def update_label(
        self, info: Info, input: Annotated[UpdateLabelInput, _WHAT]
    ) -> LabelPayload | None:
        async def plan() -> Plan:
            level = required(input.level, "level")
            return await plan_update_label(
                info.context.db,
                key_of(input.id, "Label", "id"),
                input.expected_version,
                level=_level(level) if isinstance(level, LabelLevel) else level,
                valid_until=required(input.valid_until, "validUntil"),
                awarded_on=or_unchanged(input.awarded_on),
            )

        cmid = input.client_mutation_id
        outcome = await run_mutation(info, "directory:write", "updateLabel", cmid, plan)
        return await _label_payload(info, outcome, cmid)

    @resolver(description="Remove a label entered in error; a cluster keeps at least one." + _SCOPE)
    async def remove_label(
        self, info: Info, input: Annotated[RemoveLabelInput, _WHAT]
    ) -> RemoveLabelPayload | None:
        async def plan() -> Plan:
            return await plan_remove_label(
                info.context.db, key_of(input.id, "Label", "id"), input.expected_version
            )

        cmid = input.client_mutation_id
        outcome = await run_mutation(info, "directory:write", "removeLabel", cmid, plan)
        removed = removed_id("Label", outcome)
        return RemoveLabelPayload(
            removed_label_id=removed,
            cluster=await _cluster(info, outcome.cluster),
            user_errors=user_errors(outcome.problems),
            client_mutation_id=cmid,
        )
