"""The exported SDL matches the code, and the contract documents itself."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
)

from schema.build import build_schema
from schema.sdl import SDL_PATH, export_sdl

BUILT_IN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}


def test_committed_sdl_matches_the_code() -> None:
    committed = SDL_PATH.read_text(encoding="utf-8")
    assert committed == export_sdl(), (
        "schema/schema.graphql is out of date: run `ecei export-schema` and commit the result"
    )


def test_production_and_development_serve_the_same_types() -> None:
    production = build_schema(production=True).as_str()
    assert production == build_schema(production=False).as_str()


def test_every_type_field_argument_and_value_is_described() -> None:
    schema = build_schema(production=False)._schema
    missing: list[str] = []
    for name, named in schema.type_map.items():
        if name.startswith("__") or name in BUILT_IN_SCALARS:
            continue
        if not named.description:
            missing.append(name)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in named.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in field.args.items():
                    if not arg.description:
                        missing.append(f"{name}.{field_name}({arg_name})")
        elif isinstance(named, GraphQLInputObjectType):
            missing += [f"{name}.{f}" for f, v in named.fields.items() if not v.description]
        elif isinstance(named, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, d in named.values.items() if not d.description]
        else:
            assert isinstance(named, GraphQLScalarType | GraphQLUnionType)
    assert missing == []


def test_the_catalogue_is_marked_as_a_reconstruction() -> None:
    sdl = export_sdl()
    for type_name in ("type Indicator ", "type IndicatorArea"):
        start = sdl.index(type_name)
        assert "not ESCA's official list" in sdl[max(0, start - 400) : start]


def test_contract_names_are_present() -> None:
    sdl = export_sdl()
    for expected in (
        "scalar Date",
        "interface Node",
        "enum LabelLevel",
        "enum LabelStatus",
        "node(",
        "nodes(",
        "clusters(",
        "portfolios: [Portfolio!]!",
        "indicatorAreas: [IndicatorArea!]!",
        "input ClusterWhere",
        "type ClusterConnection",
        "type Cluster implements Node",
        "type Portfolio implements Node",
        "type Label implements Node",
        "type Indicator implements Node",
        "type Interview implements Node",
    ):
        assert expected in sdl, expected
