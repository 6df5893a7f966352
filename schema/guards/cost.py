"""Query cost: how much work an operation may ask for, checked before it runs.

Depth, alias and token limits bound the size of a document, not the work it asks for:
`clusters(first: 100) { nodes { portfolio { clusters(first: 100) { … } } } }` is shallow
and short, yet names 10,100 clusters and one database query per outer cluster. The cost is
GitHub's "requested nodes", counted on the argument values the resolvers will receive
(variables, their defaults and the schema's defaults coerced by graphql-core, so a page size
is the same number however it is written):

- every connection contributes its page size (`first`, `last`, or the default) times the
  number of parents it can be resolved under (once more for each further selection of
  its `edges` or `nodes`: the answer holds the page again), where a parent list counts as
  `LIST_ESTIMATE` items (`nodes(ids:)` as its number of IDs, `labelTimeline` as the
  periods of a 20-year history, `TIMELINE_PERIODS`, for each portfolio when grouped);
- every other object counts one each time it resolves (a cluster's `portfolio`, `label`
  or `latestInterview`, `pageInfo`, `node(id:)`), and a list of objects its items
  (`LIST_ESTIMATE` when its length is unknown, e.g. `portfolios`); introspection costs
  nothing;
- a field doing more than one object's work counts its weight each time it resolves
  (`benchmark`, an interview's `results`, a cluster's `labels` and `interviews`, every
  aggregate root field, `totalCount`, `facets`: `schema.rules.limits`);
  `labelTimeline` by its interval and grouping (`TIMELINE_COST`), since its number of
  periods is known only once the labels are read. The weight counts the objects of the
  field's answer: the objects below it count nothing more, except a node reached from
  them (a label's `cluster`, a result's `indicator`, a period's `portfolio`), which counts
  one each time, as everywhere (and so do connections below it);
- every item of a list argument or of a list inside an input (filter clauses, `ids`,
  `codes`, ...) counts one, and a list longer than `MAX_INPUT_LIST_LENGTH` is refused
  with BAD_USER_INPUT.

An operation over `MAX_REQUESTED_NODES` is refused with code COST_LIMIT_EXCEEDED before
anything is read, and every response reports its cost in `extensions.cost`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    is_composite_type,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from strawberry.extensions import SchemaExtension

from schema.errors import BadUserInput, CostLimitExceeded
from schema.guards.inputs import check_where_size
from schema.rules.limits import (
    AGGREGATE_COST,
    BENCHMARK_COST,
    DEFAULT_PAGE_SIZE,
    FACETS_COST,
    HISTORY_COST,
    LIST_ESTIMATE,
    MAX_INPUT_LIST_LENGTH,
    MAX_INPUT_NESTING,
    MAX_REQUESTED_NODES,
    RESULTS_COST,
    TIMELINE_COST,
    TIMELINE_GROUPED_FACTOR,
    TIMELINE_PERIODS,
    TOTAL_COUNT_COST,
)

__all__ = ["FIELD_WEIGHTS", "QueryCost", "field_weight", "requested_nodes"]

# "Type.field": the cost of one resolution of a field that does more than one object's work.
FIELD_WEIGHTS: Mapping[str, int] = {
    "Cluster.benchmark": BENCHMARK_COST,
    "Interview.results": RESULTS_COST,
    "Cluster.labels": HISTORY_COST,
    "Cluster.interviews": HISTORY_COST,
    "ClusterConnection.totalCount": TOTAL_COUNT_COST,
    "ClusterConnection.facets": FACETS_COST,
    "Query.portfolioStats": AGGREGATE_COST,
    "Query.clustersAggregate": AGGREGATE_COST,
    "Query.labelTimeline": AGGREGATE_COST,  # by year, ungrouped: see `field_weight`
    "Query.indicatorStats": AGGREGATE_COST,
}


def field_weight(owner: str, field: str, arguments: Mapping[str, Any]) -> int:
    """The cost of one resolution of `owner.field` with its (coerced) `arguments`."""
    if (owner, field) == ("Query", "labelTimeline"):
        interval = _enum_name(arguments.get("interval"))
        weight = TIMELINE_COST.get(interval, AGGREGATE_COST)
        return weight * (
            TIMELINE_GROUPED_FACTOR.get(interval, 2) if arguments.get("groupBy") else 1
        )
    return FIELD_WEIGHTS.get(f"{owner}.{field}", 0)


def _enum_name(value: Any) -> str:
    """The GraphQL name of an enum argument value (a Python enum member or its name)."""
    return str(getattr(value, "name", value))


def requested_nodes(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any],
) -> int:
    """The requested-nodes cost of the operation `operation_name` in `document`.

    Raises `BadUserInput` for a list argument longer than `MAX_INPUT_LIST_LENGTH`. Variables
    that do not coerce cost nothing here: execution refuses them before any resolver runs.
    """
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
    _check_raw_lists(variables, "$")  # before coercion, whose work grows with the lists
    for definition in operation.variable_definitions or ():
        if _named(definition.type) == "ClusterWhere":
            check_where_size(variables.get(definition.variable.name.value))
    coerced = get_variable_values(
        schema, operation.variable_definitions or (), dict(variables), max_errors=1
    )
    if isinstance(coerced, list):
        return 0  # execution answers with the variable's error before any resolver runs
    walker = _Walker(schema, fragments, coerced)
    return walker.cost(root, operation.selection_set, multiplier=1, seen=frozenset())


class _Walker:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: VariableValues,
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
        page: int = 1,
        covered: bool = False,
    ) -> int:
        """The cost of `selection_set` on `parent`, which resolves `multiplier` times; on a
        connection, `page` is its page size (the length of its `edges` and `nodes`).
        `covered`: a weighted field above counts the objects of its answer already."""
        total = 0
        pages = 0  # `edges` and `nodes` selected on this connection
        for field, owner in self._fields(parent, selection_set, seen):
            definition = owner.fields.get(field.name.value) if owner else None
            if owner is None or definition is None:
                continue  # __typename, or an unknown field that validation rejects
            arguments = self._arguments(definition, field)
            total += multiplier * _input_items(arguments, field.name.value)
            weight = field_weight(owner.name, field.name.value, arguments)
            total += multiplier * weight
            child = get_named_type(definition.type)
            # An edge's `node` is an object of the page, counted with it.
            # Below a weighted field, the objects of its answer are in its weight, but not a
            # node (a cluster, a portfolio, ...) reached from them: one more object to read.
            node = _is_node(child)
            counted = (
                not (weight or owner.name.endswith("Edge"))
                and _is_object(child)
                and (node or not covered)
            )
            inner, inner_page = multiplier, 1
            if child.name.endswith("Connection"):
                inner_page = _page_size(arguments)
                total += multiplier * inner_page
            elif field.name.value == "nodes" and owner is self.schema.query_type:
                ids = arguments.get("ids")
                inner = multiplier * (len(ids) if isinstance(ids, list) else 1)
                total += inner
            elif field.name.value == "labelTimeline" and owner is self.schema.query_type:
                periods = TIMELINE_PERIODS.get(_enum_name(arguments.get("interval")), 20)
                inner = multiplier * periods * (LIST_ESTIMATE if arguments.get("groupBy") else 1)
            elif _is_list(definition.type):
                # A connection's `edges`/`nodes` hold the page already counted above.
                is_page = owner.name.endswith("Connection")
                inner = multiplier * (page if is_page else LIST_ESTIMATE)
                if counted and not is_page:
                    total += inner  # each object of the list
                elif is_page:
                    # The connection counted its page once; selected again (`edges` and
                    # `nodes`, or under two aliases), the answer holds it again.
                    if pages:
                        total += inner
                    pages += 1
            elif counted:
                total += multiplier  # one object each time the field resolves
            if field.selection_set is not None:
                total += self.cost(
                    child,
                    field.selection_set,
                    multiplier=inner,
                    seen=seen,
                    page=inner_page,
                    covered=(covered and not node) or weight > 0,
                )
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

    def _arguments(self, definition: GraphQLField, field: FieldNode) -> dict[str, Any]:
        """The field's arguments as its resolver receives them (defaults applied)."""
        if not definition.args:
            return {}
        try:
            return get_argument_values(definition, field, self.variables)
        except GraphQLError:
            return {}  # an invalid argument: execution reports it and resolves nothing


def _check_raw_lists(value: Any, where: str, depth: int = 0, seen: list[int] | None = None) -> None:
    """Refuse a list longer than `MAX_INPUT_LIST_LENGTH`, lists and objects nested deeper
    than `MAX_INPUT_NESTING`, or more list items in all than `MAX_REQUESTED_NODES` (each
    counts one in the cost, which would refuse them), anywhere in the JSON variables, in one
    pass over them, before graphql-core coerces them (recursively: a thousand nested lists
    would exhaust Python's stack there; and coercing 10,000 filter clauses only to refuse
    them took 0.4 s)."""
    seen = [0] if seen is None else seen
    if depth > MAX_INPUT_NESTING:
        raise BadUserInput(
            f"{where} nests lists or objects more than {MAX_INPUT_NESTING} levels deep"
        )
    if isinstance(value, list):
        if len(value) > MAX_INPUT_LIST_LENGTH:
            raise BadUserInput(
                f"{where} lists {len(value)} items; at most {MAX_INPUT_LIST_LENGTH} are "
                "allowed in any list argument"
            )
        seen[0] += len(value)
        if seen[0] > MAX_REQUESTED_NODES:
            raise CostLimitExceeded(
                f"the variables hold more than {MAX_REQUESTED_NODES} list items, each of "
                f"which counts one in the cost; at most {MAX_REQUESTED_NODES} are allowed"
            )
        for item in value:
            _check_raw_lists(item, where, depth + 1, seen)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            path = f"{where}{key}" if where == "$" else f"{where}.{key}"
            _check_raw_lists(item, path, depth + 1, seen)


def _page_size(arguments: Mapping[str, Any]) -> int:
    for name in ("first", "last"):
        value = arguments.get(name)
        if isinstance(value, int) and value >= 0:
            return value
    return DEFAULT_PAGE_SIZE


def _input_items(value: Any, where: str) -> int:
    """Items in every list of an argument value (strawberry inputs included), refusing a
    list longer than `MAX_INPUT_LIST_LENGTH`; `where` names the argument for the message."""
    if isinstance(value, list):
        if len(value) > MAX_INPUT_LIST_LENGTH:
            raise BadUserInput(
                f"{where} lists {len(value)} items; at most {MAX_INPUT_LIST_LENGTH} are "
                "allowed in any list argument"
            )
        return len(value) + sum(_input_items(item, where) for item in value)
    if isinstance(value, dict):
        return sum(_input_items(item, f"{where}.{key}") for key, item in value.items())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(
            _input_items(getattr(value, f.name), f"{where}.{f.name.rstrip('_')}")
            for f in dataclasses.fields(value)
        )
    return 0


def _is_object(type_: GraphQLNamedType) -> bool:
    """Whether a field of this type returns an object that counts in the cost: any
    composite type except a connection (counted by its page) and introspection's."""
    return is_composite_type(type_) and not (
        type_.name.endswith("Connection") or type_.name.startswith("__")
    )


def _named(type_node: Any) -> str:
    """The name of a variable's type, lists and non-null unwrapped."""
    while not isinstance(type_node, NamedTypeNode):
        type_node = type_node.type
    return type_node.name.value


def _is_node(type_: GraphQLNamedType) -> bool:
    """Whether the type is a node (implements `Node`): a resource of its own, read by its
    own lookup, and counted wherever it is reached."""
    interfaces = getattr(type_, "interfaces", ())
    return type_.name == "Node" or any(i.name == "Node" for i in interfaces)


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
            # Computed already by the HTTP layer for the same document (`api.view`).
            known = getattr(context.context, "requested_nodes", None)
            if isinstance(known, int):
                self.cost = known
            else:
                variables = context.variables or {}
                schema = context.schema._schema
                self.cost = requested_nodes(schema, document, context.operation_name, variables)
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
