"""Parsed and validated documents, kept for reuse and checked against the document limits.

Strawberry's `ParserCache` and `ValidationCache` count entries, not bytes, keep documents
that never validate, and the validation cache is keyed on the tuple of rules, which the
depth and alias limiters rebuild for every request, so it never hits. Here one LRU cache,
keyed on the document's text and bounded by an estimate of the memory the parsed document
holds, keeps only documents that parsed and validated; a hit skips both steps.

Before graphql-core's full validation, the document limits run alone, built once:
depth (`MAX_DEPTH`), aliases (`MAX_ALIASES`) and repeated response keys
(`MAX_DUPLICATE_FIELDS`). A document over a limit is refused without the full validation,
whose check that repeated fields merge is quadratic in their number.

A document of `THREADED_DOCUMENT_CHARS` characters or more that the cache does not hold is
parsed and validated on a worker thread: graphql-core's parser and validation are pure
Python (about 15 µs a token), so a client sending new large documents would otherwise
hold the event loop, and every other request, for tens of milliseconds each. On the
thread they share the interpreter with the loop, which gets its turn every few
milliseconds. Shorter documents take less time than the hop to a thread.

Importing this module makes graphql-core's validation free its visitors as soon as it
returns instead of leaving them to the garbage collector (`schema.guards.unlinked`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    Location,
    OperationDefinitionNode,
    SelectionSetNode,
    Source,
    Token,
    TokenKind,
    ValidationContext,
    validate,
)
from graphql.language.lexer import Lexer
from graphql.language.parser import Parser, nested_too_deeply_error
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule

from schema.guards import unlinked
from schema.offload import offload
from schema.rules.limits import (
    DOCUMENT_CACHE_BYTES,
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_DUPLICATE_FIELDS,
    MAX_EXPANDED_FIELDS,
    MAX_LITERAL_DIGITS,
    MAX_TYPE_INTROSPECTIONS,
)

__all__ = [
    "BYTES_PER_CHARACTER",
    "BYTES_PER_DOCUMENT",
    "LIMIT_RULES",
    "THREADED_DOCUMENT_CHARS",
    "CheckedDocuments",
    "DocumentCache",
    "estimated_bytes",
    "expanded_fields",
    "expansion_error",
    "max_duplicate_fields_rule",
    "parse_document",
]

unlinked.install()

# A document parsed by `parse_document` holds 60 to 85 bytes of Python objects per
# character of its text, and 2 to 6 kB whatever its length (measured with tracemalloc on
# documents of 14 to 12,600 characters); `estimated_bytes` errs high on all of them.
BYTES_PER_CHARACTER = 100
BYTES_PER_DOCUMENT = 6_000
# Documents this long or longer are parsed and validated off the event loop.
THREADED_DOCUMENT_CHARS = 1_000


class _ForwardToken(Token):
    """A token that keeps no link to the one before it (`prev`, which nothing in graphql-core
    reads): graphql-core's tokens link both ways, so every parsed document, kept or failed,
    was a chain of reference cycles that only a full collection of the garbage collector
    frees. Bursts of 300 distinct 2,000-token documents left 1.3 million such objects, and
    the full collection that freed them held the GIL, and `/healthz`, for a second."""

    __slots__ = ()

    @property
    def prev(self) -> Token | None:
        return None

    @prev.setter
    def prev(self, _value: Token | None) -> None:
        pass


class _ForwardLexer(Lexer):
    def create_token(
        self, kind: TokenKind, start: int, end: int, value: str | None = None
    ) -> Token:
        return _ForwardToken(kind, start, end, self.line, 1 + start - self.line_start, value)


class _Span(Location):
    """A node's place in the text (its offsets and source, which is all errors read) without
    graphql-core's links to the first and last token: through them every node kept the
    whole chain of tokens alive, a third of a cached document's memory."""

    __slots__ = ()

    def __init__(self, start_token: Token, end_token: Token, source: Source) -> None:
        self.start = start_token.start
        self.end = end_token.end
        self.start_token = self.end_token = None  # type: ignore[assignment]
        self.source = source


class _SpanParser(Parser):
    def loc(self, start_token: Token) -> Location | None:
        if self._no_location:
            return None
        return _Span(start_token, self._lexer.last_token, self._lexer.source)


def parse_document(text: str, **options: Any) -> DocumentNode:
    """graphql-core's `parse(text, **options)`, leaving nothing for the garbage collector
    and keeping no token: tokens linked one way (`_ForwardToken`) and dropped once parsed
    (`_Span`), and a syntax error without the traceback that would tie it to the parser's
    frames (and so to every token read)."""
    source = Source(text)
    parser = _SpanParser(source, lexer=_ForwardLexer(source), **options)
    try:
        return parser.parse_document()
    except GraphQLError as error:
        raise error.with_traceback(None) from None
    except RecursionError:
        pass
    raise nested_too_deeply_error(parser).with_traceback(None)


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    stored: int = 0
    evicted: int = 0


def estimated_bytes(text: str) -> int:
    """The memory the document parsed from `text` holds, over-estimated."""
    return BYTES_PER_DOCUMENT + len(text) * BYTES_PER_CHARACTER


class DocumentCache:
    """Validated documents by text, least recently used dropped beyond `max_bytes`."""

    def __init__(self, max_bytes: int = DOCUMENT_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.stats = CacheStats()
        self._documents: OrderedDict[str, DocumentNode] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._documents)

    def __contains__(self, text: object) -> bool:
        return text in self._documents

    def get(self, text: str) -> DocumentNode | None:
        with self._lock:
            document = self._documents.get(text)
            if document is None:
                self.stats.misses += 1
                return None
            self._documents.move_to_end(text)
            self.stats.hits += 1
            return document

    def peek(self, text: str) -> DocumentNode | None:
        """The document stored for `text`, without counting a hit or a miss."""
        return self._documents.get(text)

    def put(self, text: str, document: DocumentNode) -> None:
        size = estimated_bytes(text)
        if size > self.max_bytes:
            return
        with self._lock:
            if text in self._documents:
                return
            self._documents[text] = document
            self.bytes += size
            self.stats.stored += 1
            while self.bytes > self.max_bytes:
                old, _ = self._documents.popitem(last=False)
                self.bytes -= estimated_bytes(old)
                self.stats.evicted += 1


def expanded_fields(document: DocumentNode, ceiling: int = MAX_EXPANDED_FIELDS) -> int:
    """The number of fields `document` holds with every fragment spread replaced by its
    fragment, counted once per fragment (memoised), so in time linear in the text; counts
    stop growing past `ceiling` + 1. A spread of an unknown fragment, or one in a cycle,
    counts nothing (validation refuses both)."""
    fragments = {
        d.name.value: d.selection_set
        for d in document.definitions
        if isinstance(d, FragmentDefinitionNode)
    }
    sizes: dict[str, int] = {}
    visiting: set[str] = set()

    def size(node: SelectionSetNode) -> int:
        total = 0
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                total += 1
                if selection.selection_set is not None:
                    total += size(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                total += size(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total += spread(selection.name.value)
            if total > ceiling:
                return ceiling + 1
        return total

    def spread(name: str) -> int:
        if name not in sizes:
            fragment = fragments.get(name)
            if fragment is None or name in visiting:
                return 0
            visiting.add(name)
            sizes[name] = size(fragment)
            visiting.discard(name)
        return sizes[name]

    total = 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            total = min(ceiling + 1, total + size(definition.selection_set))
    return total


def expansion_error(document: DocumentNode) -> GraphQLError | None:
    """The error for a document over `MAX_EXPANDED_FIELDS` once its fragments are spread."""
    count = expanded_fields(document)
    if count <= MAX_EXPANDED_FIELDS:
        return None
    return GraphQLError(
        f"the document selects more than {MAX_EXPANDED_FIELDS} fields once its fragments "
        "are spread; at most that many are allowed"
    )


def _max_depth_rule(max_depth: int) -> type[ASTValidationRule]:
    """Strawberry's depth limit, not run on a document that spreads a fragment it does not
    define: there it failed with a bare `KeyError` (the answer said only `'Z'`), where
    graphql-core's own rule names the unknown fragment."""
    strawberry_rule = max_depth_rule(max_depth, None)

    class MaxDepth(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            if not _spreads_an_unknown_fragment(context.document):
                strawberry_rule(context)  # checks the whole document, reporting to `context`

    return MaxDepth


def _spreads_an_unknown_fragment(document: DocumentNode) -> bool:
    defined = {d.name.value for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    sets = [s for d in document.definitions if (s := getattr(d, "selection_set", None))]
    while sets:
        for selection in sets.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                if selection.name.value not in defined:
                    return True
            elif (inner := getattr(selection, "selection_set", None)) is not None:
                sets.append(inner)
    return False


def max_duplicate_fields_rule(max_count: int) -> type[ASTValidationRule]:
    """A rule refusing a selection set that selects one response key (a field name or an
    alias) more than `max_count` times, fragments included."""

    class MaxDuplicateFields(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.fragments = {
                d.name.value: d.selection_set
                for d in context.document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }

        def enter_selection_set(self, node: SelectionSetNode, *_args: object) -> None:
            counts: dict[str, int] = {}
            for field in self._fields(node, frozenset()):
                key = (field.alias or field.name).value
                counts[key] = counts.get(key, 0) + 1
            for key, count in counts.items():
                if count > max_count:
                    self.report_error(
                        GraphQLError(
                            f"'{key}' is selected {count} times in one selection set; at "
                            f"most {max_count} are allowed (repeats add nothing)",
                            node,
                        )
                    )

        def _fields(self, node: SelectionSetNode, seen: frozenset[str]) -> Iterator[FieldNode]:
            for selection in node.selections:
                if isinstance(selection, FieldNode):
                    yield selection
                elif isinstance(selection, InlineFragmentNode):
                    yield from self._fields(selection.selection_set, seen)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.fragments.get(name)
                    if fragment is not None and name not in seen:
                        yield from self._fields(fragment, seen | {name})

    return MaxDuplicateFields


class IntrospectionCounts(ASTValidationRule):
    """Refuses a document that asks for `__schema` more than once (under aliases, say), or
    for `__type` more than `MAX_TYPE_INTROSPECTIONS` times: the whole schema is some 48 kB
    of answer, a type up to 13 kB, and once is all a client (GraphiQL, a code generator)
    needs. Introspection reads no data and costs nothing (`schema.guards.cost`), so
    these counts are its bound."""

    LIMITS: ClassVar[dict[str, int]] = {"__schema": 1, "__type": MAX_TYPE_INTROSPECTIONS}

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self.seen: dict[str, int] = {}

    def enter_field(self, node: FieldNode, *_args: object) -> None:
        name = node.name.value
        limit = self.LIMITS.get(name)
        if limit is None:
            return
        self.seen[name] = seen = self.seen.get(name, 0) + 1
        if seen == limit + 1:
            times = "once" if limit == 1 else f"at most {limit} times"
            self.report_error(GraphQLError(f"`{name}` may be selected {times} per document", node))


class NumbersOfAFewDigits(ASTValidationRule):
    """Refuses an integer literal of more than `MAX_LITERAL_DIGITS` digits, which no `Int`
    or `Float` holds: graphql-core's coercion failed on it with Python's own message
    ("Exceeds the limit (4300 digits) for integer string conversion ... use
    sys.set_int_max_str_digits()"), followed by the whole literal."""

    def enter_int_value(self, node: IntValueNode, *_args: object) -> None:
        digits = len(node.value.lstrip("-"))
        if digits > MAX_LITERAL_DIGITS:
            self.report_error(
                GraphQLError(
                    f"an integer literal of {digits:,} digits; an Int holds at most 10 and "
                    f"a Float at most {MAX_LITERAL_DIGITS}",
                    node,
                )
            )


# Built once, so that every request runs the same rule classes.
LIMIT_RULES: tuple[type[ASTValidationRule], ...] = (
    _max_depth_rule(MAX_DEPTH),
    max_aliases_rule(MAX_ALIASES),
    max_duplicate_fields_rule(MAX_DUPLICATE_FIELDS),
    IntrospectionCounts,
    NumbersOfAFewDigits,
)


class CheckedDocuments(SchemaExtension):
    """Serves parsed and validated documents from `cache`, runs `limit_rules` before the
    full validation, and stores a document once it has validated."""

    def __init__(
        self, cache: DocumentCache, limit_rules: Sequence[type[ASTValidationRule]] = LIMIT_RULES
    ) -> None:
        self.cache = cache
        self.limit_rules = tuple(limit_rules)
        self.hit = False
        self.threaded = False

    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        query = context.query
        if query is not None and context.graphql_document is None:
            document = self.cache.get(query)
            parsed = getattr(context.context, "parsed_document", None)
            if document is not None:
                context.graphql_document = document
                self.hit = True
            elif parsed is not None and parsed[0] == query:
                # The HTTP layer parsed it already for this request, with the same options.
                self.threaded = len(query) >= THREADED_DOCUMENT_CHARS
                self._take(parsed[1])
            elif len(query) >= THREADED_DOCUMENT_CHARS:
                self.threaded = True
                options: dict[str, Any] = dict(context.parse_options)
                outcome: DocumentNode | GraphQLError
                try:
                    outcome = await offload(parse_document, query, **options)
                except GraphQLError as error:
                    outcome = error
                self._take(outcome)
        yield

    def _take(self, parsed: DocumentNode | GraphQLError) -> None:
        if isinstance(parsed, GraphQLError):
            # Strawberry reports an error raised here as it reports its own parse
            # errors: a response with this one error and no data.
            self.execution_context.pre_execution_errors = [parsed]
            raise parsed
        self.execution_context.graphql_document = parsed

    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if self.hit:
            context.pre_execution_errors = []  # validated when it was stored
        elif document is not None and context.pre_execution_errors is None:
            rules = tuple(context.validation_rules)
            too_large = expansion_error(document)  # before any rule walks the expansion
            if too_large is not None:
                context.pre_execution_errors = [too_large]
            elif self.threaded:
                schema = context.schema._schema
                context.pre_execution_errors = await offload(
                    self._validate, schema, document, rules
                )
            else:
                errors = validate(context.schema._schema, document, self.limit_rules)
                if errors:
                    context.pre_execution_errors = errors  # the full validation is skipped
        yield
        if not self.hit and document is not None and context.pre_execution_errors == []:
            assert context.query is not None
            self.cache.put(context.query, document)

    def _validate(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        rules: tuple[type[ASTValidationRule], ...],
    ) -> list[GraphQLError]:
        """The document limits, then (when they pass) the full validation with `rules`."""
        return validate(schema, document, self.limit_rules) or validate(schema, document, rules)
