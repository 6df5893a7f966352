"""Query cost: how many objects an operation may ask for, checked before it runs.

Depth, alias and token limits bound the size of a document, not the work it asks for:
`clusters(first: 100) { nodes { portfolio { clusters(first: 100) { … } } } }` is shallow
and short, yet names 10,100 clusters and one database query per outer cluster. The cost is
GitHub's "requested nodes": every connection contributes `first` (or `last`, or the
default page size) times the number of parents it can be resolved under, where a parent
list counts as `LIST_ESTIMATE` items (`nodes(ids:)` as its number of IDs). An operation
over `MAX_REQUESTED_NODES` is refused with code COST_LIMIT_EXCEEDED before anything is
read, and every response reports its cost in `extensions.cost`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from graphql.language import ValueNode
from strawberry.extensions import SchemaExtension

from schema.errors import CostLimitExceeded
from schema.rules.limits import DEFAULT_PAGE_SIZE, LIST_ESTIMATE, MAX_REQUESTED_NODES

__all__ = ["QueryCost", "requested_nodes"]


def requested_nodes(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any],
) -> int:
    """The requested-nodes cost of the operation `operation_name` in `document`."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    operation = next(
        (
            o
            for o in operations
            if operation_name is None or (o.name and o.name.value == operation_name)
        ),
        None,
    )
    root = schema.get_root_type(operation.operation) if operation is not None else None
    if operation is None or root is None:
        return 0  # nothing will run; validation reports why
    walker = _Walker(schema, fragments, variables)
    return walker.cost(root, operation.selection_set, multiplier=1, seen=frozenset())


class _Walker:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def cost(
        self,
        parent: GraphQLNamedType,
        selection_set: SelectionSetNode | None,
        *,
        multiplier: int,
        seen: frozenset[str],
    ) -> int:
        total = 0
        for field, owner in self._fields(parent, selection_set, seen):
            definition = owner.fields.get(field.name.value) if owner else None
            if owner is None or definition is None:
                continue  # __typename, or an unknown field that validation rejects
            child = get_named_type(definition.type)
            inner = multiplier
            if child.name.endswith("Connection"):
                inner = multiplier * self._page_size(field)
                total += inner
            elif field.name.value == "nodes" and owner is self.schema.query_type:
                inner = multiplier * self._count(field, "ids")
                total += inner
            elif _is_list(definition.type) and not owner.name.endswith("Connection"):
                # A connection's `edges`/`nodes` hold the page already counted above.
                inner = multiplier * LIST_ESTIMATE
            if field.selection_set is not None:
                total += self.cost(child, field.selection_set, multiplier=inner, seen=seen)
        return total

    def _fields(
        self,
        parent: GraphQLNamedType,
        selection_set: SelectionSetNode | None,
        seen: frozenset[str],
    ) -> Iterator[tuple[FieldNode, GraphQLObjectType | None]]:
        """Fields selected on `parent`, through inline fragments and fragment spreads."""
        if selection_set is None:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection, parent if isinstance(parent, GraphQLObjectType) else None
            elif isinstance(selection, InlineFragmentNode):
                target = self._type(selection.type_condition, parent)
                yield from self._fields(target, selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue  # unknown or cyclic: validation rejects the document
                target = self._type(fragment.type_condition, parent)
                yield from self._fields(target, fragment.selection_set, seen | {name})

    def _type(self, condition: Any, parent: GraphQLNamedType) -> GraphQLNamedType:
        if condition is None:
            return parent
        found = self.schema.get_type(condition.name.value)
        return found if found is not None else parent

    def _page_size(self, field: FieldNode) -> int:
        for name in ("first", "last"):
            value = self._argument(field, name)
            if isinstance(value, int) and value >= 0:
                return value
        return DEFAULT_PAGE_SIZE

    def _count(self, field: FieldNode, name: str) -> int:
        value = self._argument(field, name)
        return len(value) if isinstance(value, list) else 1

    def _argument(self, field: FieldNode, name: str) -> Any:
        for argument in field.arguments or ():
            if argument.name.value == name:
                return self._value(argument.value)
        return None

    def _value(self, node: ValueNode) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, ListValueNode):
            return [self._value(v) for v in node.values]
        return None


def _is_list(type_: Any) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


class QueryCost(SchemaExtension):
    """Computes the cost before execution, refuses an operation over the limit, and
    reports `{"cost": {"requestedNodes", "maxRequestedNodes"}}` in the response's
    extensions."""

    cost: int | None = None

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            self.cost = requested_nodes(
                context.schema._schema, document, context.operation_name, context.variables or {}
            )
            if self.cost > MAX_REQUESTED_NODES:
                raise CostLimitExceeded(
                    f"this operation may request {self.cost} objects; at most "
                    f"{MAX_REQUESTED_NODES} are allowed (lower `first`/`last` or nest fewer "
                    "connections)"
                )
        yield

    def get_results(self) -> dict[str, Any]:
        if self.cost is None:
            return {}
        return {"cost": {"requestedNodes": self.cost, "maxRequestedNodes": MAX_REQUESTED_NODES}}
