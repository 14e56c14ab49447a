"""The registry value type: one parse (host, port, path, normalised) behind every registry."""

from __future__ import annotations

import pytest

from constructs_lib._validate import Registry, registry_reference
from constructs_lib.errors import ConstructArgumentError


@pytest.mark.parametrize(
    ("value", "host", "port", "path", "reference"),
    [
        ("harbor.internal", "harbor.internal", None, "", "harbor.internal"),
        ("harbor.internal/", "harbor.internal", None, "", "harbor.internal"),
        (
            "harbor.internal:5000/proxy/cache/",
            "harbor.internal",
            "5000",
            "proxy/cache",
            "harbor.internal:5000/proxy/cache",
        ),
    ],
)
def test_a_registry_is_parsed_once_and_normalised(
    value: str, host: str, port: str | None, path: str, reference: str
) -> None:
    parsed = Registry.parse("stack/x", "registry", value)
    assert (parsed.host, parsed.port, parsed.path) == (host, port, path)
    assert parsed.reference == str(parsed) == reference == registry_reference("stack/x", "registry", value)
    assert parsed.address == (host if port is None else f"{host}:{port}")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("Harbor.contour.internal/platform", "not lowercase"),
        ("harbor.internal//", "path component"),
        ("https://harbor.internal", "no scheme"),
        ("harbor.internal:0", "port"),
    ],
)
def test_a_bad_registry_names_the_users_key(value: str, problem: str) -> None:
    with pytest.raises(ConstructArgumentError) as raised:
        Registry.parse("environments/demo.hcl", "platform.registry", value)
    assert raised.value.argument == "platform.registry"
    assert problem in str(raised.value)


def test_node_mirrors_use_the_parsed_address_and_path() -> None:
    from constructs_lib.kamaji_cluster import registry_mirrors

    mirrors = registry_mirrors("harbor.internal:5000/platform/")
    assert {tuple(m.endpoints) for m in mirrors} == {("https://harbor.internal:5000/v2/platform",)}


def test_every_registry_is_parsed_by_registry_parse() -> None:
    """Outside the value type's module, no code checks or splits a registry its own way: the
    helper that returns only the string, and ``<registry>.partition('/')``, are not used."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    own_way = re.compile(r"\b(registry_reference|check\.image_registry)\(|\bregistry\w*\.(r?partition|split)\(")
    found = [
        f"{source.relative_to(root)}:{number}: {line.strip()}"
        for package in ("constructs_lib", "stacks", "platformctl")
        for source in sorted((root / package).rglob("*.py"))
        if source.name != "_validate.py"
        for number, line in enumerate(source.read_text().splitlines(), 1)
        if own_way.search(line)
    ]
    assert found == []
