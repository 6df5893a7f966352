"""Mutations of interviews, scope `interviews:write`: `recordInterview`, `removeInterview`."""

from __future__ import annotations

from typing import Annotated, cast

import strawberry

from schema.query.editing import key_of, removed_id, run_mutation
from schema.store.documents import InterviewDoc
from schema.store.edits import plan_record_interview, plan_remove_interview
from schema.store.writes import Plan, refuse
from schema.types.context import Info
from schema.types.directory import Interview
from schema.types.mutations import (
    RecordInterviewInput,
    RecordInterviewPayload,
    RemoveInterviewInput,
    RemoveInterviewPayload,
    user_errors,
)
from schema.types.resolvers import resolver

__all__ = ["InterviewMutation"]

_SCOPE = " Needs the scope `interviews:write`."
_WHAT = strawberry.argument(description="What to write.")


@strawberry.type
class InterviewMutation:
    @resolver(
        description="Record a real interview (never a sample) with its results, checked "
        "against the catalogue version's indicators, units and scales as on load; or, with "
        "`expectedVersion`, replace the interview of that day." + _SCOPE
    )
    async def record_interview(
        self, info: Info, input: Annotated[RecordInterviewInput, _WHAT]
    ) -> RecordInterviewPayload | None:
        async def plan() -> Plan:
            raws = []
            for index, result in enumerate(input.results):
                raw = result.raw()
                if raw is None:
                    raise refuse(
                        ("results", str(index)), "give at most one of value, flag, text, items"
                    )
                raws.append(raw)
            return await plan_record_interview(
                info.context.db,
                key_of(input.cluster_id, "Cluster", "clusterId"),
                conducted_on=input.conducted_on,
                catalogue_version=input.catalogue_version,
                results=raws,
                recommendations=input.recommendations,
                expected_version=input.expected_version,
            )

        cmid = input.client_mutation_id
        outcome = await run_mutation(info, "interviews:write", "recordInterview", cmid, plan)
        after = cast(InterviewDoc | None, outcome.after)
        return RecordInterviewPayload(
            interview=Interview.from_document(after) if after else None,
            user_errors=user_errors(outcome.problems),
            client_mutation_id=cmid,
        )

    @resolver(description="Remove an interview." + _SCOPE)
    async def remove_interview(
        self, info: Info, input: Annotated[RemoveInterviewInput, _WHAT]
    ) -> RemoveInterviewPayload | None:
        async def plan() -> Plan:
            return await plan_remove_interview(
                info.context.db, key_of(input.id, "Interview", "id"), input.expected_version
            )

        cmid = input.client_mutation_id
        outcome = await run_mutation(info, "interviews:write", "removeInterview", cmid, plan)
        removed = removed_id("Interview", outcome)
        return RemoveInterviewPayload(
            removed_interview_id=removed,
            user_errors=user_errors(outcome.problems),
            client_mutation_id=cmid,
        )
