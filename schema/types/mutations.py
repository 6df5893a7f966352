"""Inputs and payloads of the mutations (Relay conventions, as GitHub and Shopify do).

Every mutation takes one `input` and returns a payload with the changed object,
`userErrors` (input the rules refuse: the write did not happen) and the input's
`clientMutationId`, echoed. A missing scope is not a user error but a FORBIDDEN error, and
the payload is null.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

import strawberry

from schema.rules.editing import Problem
from schema.types.directory import Cluster, Interview, Label
from schema.types.enums import LabelLevel, Rating

__all__ = [
    "AwardLabelInput",
    "ClusterPayload",
    "CreateClusterInput",
    "IndicatorResultInput",
    "LabelPayload",
    "RecordInterviewInput",
    "RecordInterviewPayload",
    "RemoveInterviewInput",
    "RemoveInterviewPayload",
    "RemoveLabelInput",
    "RemoveLabelPayload",
    "UpdateClusterInput",
    "UpdateLabelInput",
    "UserError",
    "UserErrorCode",
    "user_errors",
]

_CMID = (
    "Chosen by the client and echoed in the payload. Sent again with the same API key, the "
    "mutation is not applied twice: the recorded outcome is returned."
)
_EXPECTED = "The `version` the change is based on; VERSION_CONFLICT when it moved."
_ERRORS = "Why the input was refused; empty when the mutation was applied."


@strawberry.enum(description="Why a mutation's input was refused.")
class UserErrorCode(Enum):
    INVALID = strawberry.enum_value("INVALID", description="A value breaks a rule.")
    NOT_FOUND = strawberry.enum_value("NOT_FOUND", description="An ID or key names nothing.")
    ALREADY_EXISTS = strawberry.enum_value(
        "ALREADY_EXISTS", description="An object with the same natural key exists."
    )
    VERSION_CONFLICT = strawberry.enum_value(
        "VERSION_CONFLICT",
        description="The object changed since `expectedVersion`: read it again, then retry.",
    )
    LAST_LABEL = strawberry.enum_value(
        "LAST_LABEL", description="A listed cluster keeps at least one label."
    )
    CLIENT_MUTATION_ID_REUSED = strawberry.enum_value(
        "CLIENT_MUTATION_ID_REUSED",
        description="This key already used the `clientMutationId` for another mutation.",
    )


@strawberry.type(description="An input the rules refuse; nothing was written.")
class UserError:
    field: list[str] = strawberry.field(
        description='Path of the offending input field, e.g. `["results", "3", "value"]`.'
    )
    message: str = strawberry.field(description="What is wrong, readable.")
    code: UserErrorCode = strawberry.field(description="Stable machine-readable reason.")


def user_errors(problems: list[Problem]) -> list[UserError]:
    return [
        UserError(field=list(p.field), message=p.message, code=UserErrorCode(p.code))
        for p in problems
    ]


# --- inputs --------------------------------------------------------------------------------


@strawberry.input(description="A new cluster with its first label.")
class CreateClusterInput:
    name: str = strawberry.field(description="Name exactly as published; kept as given.")
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 code, upper case.")
    portfolio: str = strawberry.field(description="Slug of the comparative portfolio.")
    level: LabelLevel = strawberry.field(description="Level of the first label.")
    valid_until: date = strawberry.field(description="Last day of the first label.")
    website: str | None = strawberry.field(default=None, description="Website as published.")
    awarded_on: date | None = strawberry.field(
        default=None, description="Award day, when known; left out, it is inferred."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_CMID)


@strawberry.input(description="Fields to change on a cluster; a field left out is kept.")
class UpdateClusterInput:
    id: strawberry.ID = strawberry.field(description="The cluster's global ID.")
    expected_version: int = strawberry.field(description=_EXPECTED)
    name: str | None = strawberry.field(default=strawberry.UNSET, description="New name.")
    country: str | None = strawberry.field(default=strawberry.UNSET, description="New country.")
    portfolio: str | None = strawberry.field(
        default=strawberry.UNSET, description="Slug of the new comparative portfolio."
    )
    website: str | None = strawberry.field(
        default=strawberry.UNSET, description="New website; null removes it."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_CMID)


@strawberry.input(description="A label awarded to a cluster; joins its history.")
class AwardLabelInput:
    cluster_id: strawberry.ID = strawberry.field(description="The cluster's global ID.")
    level: LabelLevel = strawberry.field(description="Label level.")
    valid_until: date = strawberry.field(description="Last day of validity.")
    awarded_on: date | None = strawberry.field(
        default=None,
        description="Award day, when known (published: `awardedOnInferred` false); left "
        "out, it is inferred from the level and the history, as on load.",
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_CMID)


@strawberry.input(description="A correction of a label; a field left out is kept.")
class UpdateLabelInput:
    id: strawberry.ID = strawberry.field(description="The label's global ID.")
    expected_version: int = strawberry.field(description=_EXPECTED)
    level: LabelLevel | None = strawberry.field(default=strawberry.UNSET, description="Level.")
    valid_until: date | None = strawberry.field(
        default=strawberry.UNSET,
        description="Last day; a new level or day gives the label a new ID (its natural key).",
    )
    awarded_on: date | None = strawberry.field(
        default=strawberry.UNSET, description="Award day; null makes it inferred again."
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_CMID)


@strawberry.input(description="A label to remove from a cluster's history.")
class RemoveLabelInput:
    id: strawberry.ID = strawberry.field(description="The label's global ID.")
    expected_version: int = strawberry.field(description=_EXPECTED)
    client_mutation_id: str | None = strawberry.field(default=None, description=_CMID)


@strawberry.input(
    description="One indicator's result: at most one of `value`, `flag`, `text`, `items`, "
    "by the indicator's unit (as in `IndicatorResult`); none means not answered."
)
class IndicatorResultInput:
    code: str = strawberry.field(description="Indicator code of the catalogue version.")
    value: float | None = strawberry.field(default=None, description="Numeric units, RATING.")
    flag: bool | None = strawberry.field(default=None, description="BOOL.")
    text: str | None = strawberry.field(default=None, description="ENUM.")
    items: list[str] | None = strawberry.field(default=None, description="LIST.")
    rating: Rating | None = strawberry.field(
        default=None, description="Traffic light; only for indicators with a direction."
    )

    def raw(self) -> dict[str, Any] | None:
        """`{"code", "value", "rating"}` as the rules check it; None when two values are set."""
        given = [v for v in (self.value, self.flag, self.text, self.items) if v is not None]
        if len(given) > 1:
            return None
        return {
            "code": self.code,
            "value": given[0] if given else None,
            "rating": self.rating.value if self.rating else None,
        }


@strawberry.input(
    description="A real benchmarking interview, checked against its catalogue as on load."
)
class RecordInterviewInput:
    cluster_id: strawberry.ID = strawberry.field(description="The cluster's global ID.")
    conducted_on: date = strawberry.field(description="Day of the interview.")
    catalogue_version: str = strawberry.field(description="e.g. `bronze-36-2010`.")
    results: list[IndicatorResultInput] = strawberry.field(description="Indicator results.")
    recommendations: list[str] = strawberry.field(
        default_factory=list, description="Recommendations towards the next level."
    )
    expected_version: int | None = strawberry.field(
        default=None,
        description="Left out: a new interview. Given: replaces the interview of that day "
        "at this version.",
    )
    client_mutation_id: str | None = strawberry.field(default=None, description=_CMID)


@strawberry.input(description="An interview to remove.")
class RemoveInterviewInput:
    id: strawberry.ID = strawberry.field(description="The interview's global ID.")
    expected_version: int = strawberry.field(description=_EXPECTED)
    client_mutation_id: str | None = strawberry.field(default=None, description=_CMID)


# --- payloads ------------------------------------------------------------------------------


@strawberry.type(description="The cluster as written, or why not.")
class ClusterPayload:
    cluster: Cluster | None = strawberry.field(description="The cluster; null when refused.")
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(description="As given in the input.")


@strawberry.type(description="The label as written and its cluster, or why not.")
class LabelPayload:
    label: Label | None = strawberry.field(description="The label; null when refused.")
    cluster: Cluster | None = strawberry.field(
        description="The label's cluster after the write (its current label included)."
    )
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(description="As given in the input.")


@strawberry.type(description="The removed label's ID and its cluster, or why not.")
class RemoveLabelPayload:
    removed_label_id: strawberry.ID | None = strawberry.field(
        description="Global ID of the removed label; null when refused."
    )
    cluster: Cluster | None = strawberry.field(description="The cluster after the removal.")
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(description="As given in the input.")


@strawberry.type(description="The interview as written, or why not.")
class RecordInterviewPayload:
    interview: Interview | None = strawberry.field(description="The interview; null when refused.")
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(description="As given in the input.")


@strawberry.type(description="The removed interview's ID, or why not.")
class RemoveInterviewPayload:
    removed_interview_id: strawberry.ID | None = strawberry.field(
        description="Global ID of the removed interview; null when refused."
    )
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)
    client_mutation_id: str | None = strawberry.field(description="As given in the input.")
