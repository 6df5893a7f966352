"""The top-level packages are this project's, and imports point one way.

Between packages: `api → schema ← seed`, and `seed` never imports `api`. Inside `schema`,
by layer: `rules ← store ← types ← query`, with `guards` beside `store` (both may use only
`rules`) and `errors` shared by every layer; `build` and `sdl` assemble the whole. No
module imports inside a function (no hidden cycle), and the module graph has no cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import api
import schema
import seed

ROOT = Path(__file__).resolve().parent.parent


def test_schema_is_ours_not_the_pypi_package() -> None:
    # `schema` is also the name of an unrelated PyPI distribution.
    assert Path(schema.__file__ or "").resolve().parent == ROOT / "schema"
    assert (ROOT / "schema" / "store" / "documents.py").is_file()


def test_packages_import_from_this_tree() -> None:
    for package in (api, seed):
        assert Path(package.__file__ or "").resolve().parent.parent == ROOT


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(package: str) -> Iterator[tuple[str, ast.Module]]:
    for path in sorted((ROOT / package).rglob("*.py")):
        yield _module_name(path), ast.parse(path.read_text(encoding="utf-8"))


def _imports(
    tree: ast.Module, *, top_level_only: bool = False, at_run_time: bool = False
) -> set[str]:
    """Modules imported by `tree`: at any depth of the code, or only at module level
    (outside functions); `at_run_time` leaves out `if TYPE_CHECKING:` blocks."""
    found: set[str] = set()
    nodes = ast.walk(tree) if not top_level_only else _module_level(tree, at_run_time)
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _module_level(tree: ast.Module, at_run_time: bool) -> Iterator[ast.AST]:
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if at_run_time and _is_type_checking_block(node):
            continue
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            stack.extend(ast.iter_child_nodes(node))


def _is_type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        pytest.param("schema", {"api", "seed"}, id="schema-imports-neither"),
        pytest.param("seed", {"api"}, id="seed-does-not-import-api"),
    ],
)
def test_imports_point_one_way(package: str, forbidden: set[str]) -> None:
    imported = {name.split(".")[0] for _, tree in _modules(package) for name in _imports(tree)}
    assert imported & forbidden == set()


# What each layer of `schema` may import from `schema`.
LAYERS: dict[str, set[str]] = {
    "errors": set(),
    "offload": set(),
    "rules": {"rules"},
    "store": {"rules", "errors", "store"},
    "guards": {"rules", "errors", "guards", "offload"},
    "types": {"rules", "errors", "store", "guards", "types", "offload"},
    "query": {"rules", "errors", "store", "guards", "types", "query", "offload"},
    "build": {"errors", "guards", "query", "types"},
    "sdl": {"build"},
    "": set(),  # schema/__init__.py
}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_every_schema_module_has_a_layer() -> None:
    assert {_layer(name) for name, _ in _modules("schema")} == set(LAYERS)


@pytest.mark.parametrize("module", [name for name, _ in _modules("schema")])
def test_schema_layers_import_one_way(module: str) -> None:
    tree = dict(_modules("schema"))[module]
    used = {_layer(name) for name in _imports(tree) if name.startswith("schema.")}
    assert used - LAYERS[_layer(module)] == set(), f"{module} imports against the direction"


def test_rules_import_neither_strawberry_nor_graphql_nor_the_driver() -> None:
    for name, tree in _modules("schema"):
        if _layer(name) == "rules":
            roots = {imported.split(".")[0] for imported in _imports(tree)}
            assert roots & {"strawberry", "graphql", "pymongo", "motor", "bson"} == set(), name


@pytest.mark.parametrize("package", ["schema", "seed"])
def test_no_import_inside_a_function(package: str) -> None:
    for name, tree in _modules(package):
        assert _imports(tree) == _imports(tree, top_level_only=True), name


def test_the_module_graph_has_no_cycle() -> None:
    graph: dict[str, set[str]] = {}
    for package in ("api", "schema", "seed"):
        for name, tree in _modules(package):
            imported = _imports(tree, top_level_only=True, at_run_time=True)
            graph[name] = {m for m in imported if m.split(".")[0] in ("api", "schema", "seed")}
    # Importing `a.b.c` runs `a/__init__` and `a/b/__init__` too.
    for name in list(graph):
        graph[name] = {m for m in graph[name] if m in graph} | {
            m.rsplit(".", 1)[0] for m in graph[name] if m not in graph and "." in m
        }
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            cycle = [*path[path.index(node) :], node]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if node in done:
            return
        for target in sorted(graph.get(node, ())):
            visit(target, [*path, node])
        done.add(node)

    for node in sorted(graph):
        visit(node, [])


def test_lazy_types_only_where_two_types_refer_to_each_other() -> None:
    # `ClusterEdge.node` is a `Cluster`, and `Cluster`'s module builds connections: the one
    # mutual pair, referenced lazily (and imported for type checking only) on one side.
    # And `Database`'s Motor type: Motor reads MOTOR_MAX_WORKERS when imported, which the
    # command line must check first (`schema.store.documents`).
    lazy = {
        name
        for name, tree in _modules("schema")
        if any(_is_type_checking_block(node) for node in tree.body)
        or "strawberry.lazy" in ast.unparse(tree)
    }
    assert lazy == {"schema.types.connection", "schema.store.documents"}
