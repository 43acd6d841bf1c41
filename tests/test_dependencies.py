"""The dependencies in pyproject.toml are the ones the code uses, at versions that work
together."""

from __future__ import annotations

import ast
import importlib.metadata as metadata
import os
import subprocess
import sys
import tomllib

import pytest
from packaging.requirements import Requirement

from tests.support.databases import ROOT

OUR_PACKAGES = {"bot", "db", "scheduler", "migrations"}


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(line) for line in project["dependencies"]]


def canonical(name: str) -> str:
    return name.lower().replace("_", "-")


def provided_by_declared() -> set[str]:
    """Distributions a declared requirement names, or brings with an extra it asks for."""
    names = set()
    for requirement in declared():
        names.add(canonical(requirement.name))
        for line in metadata.requires(requirement.name) or []:
            needed = Requirement(line)
            if needed.marker is not None and any(
                needed.marker.evaluate({"extra": extra}) for extra in requirement.extras
            ):
                names.add(canonical(needed.name))
    return names


def imported_top_level_modules() -> set[str]:
    modules = set()
    for package in ("bot", "db", "scheduler"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    modules.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - OUR_PACKAGES


def test_every_package_the_code_imports_is_a_declared_dependency() -> None:
    distributions = metadata.packages_distributions()
    provided = provided_by_declared()
    undeclared = {
        module: distributions.get(module)
        for module in imported_top_level_modules()
        if not {canonical(name) for name in distributions.get(module, [module])} & provided
    }
    assert not undeclared, undeclared


def test_the_redis_client_is_one_aiogram_supports() -> None:
    wanted = [
        Requirement(line)
        for line in metadata.requires("aiogram") or []
        if Requirement(line).name == "redis"
    ]
    assert wanted, "aiogram names no redis requirement"
    assert all(w.specifier.contains(metadata.version("redis")) for w in wanted), wanted
    aiogram = next(r for r in declared() if r.name == "aiogram")
    assert "redis" in aiogram.extras
    assert "redis" not in {r.name for r in declared()}, "let aiogram's extra choose the client"


@pytest.mark.process
def test_time_zones_resolve_without_the_systems_zone_data() -> None:
    # An empty PYTHONTZPATH hides /usr/share/zoneinfo, as on a slim image without it.
    result = subprocess.run(
        [sys.executable, "-c", "from zoneinfo import ZoneInfo; print(ZoneInfo('Europe/Kyiv'))"],
        env={**os.environ, "PYTHONTZPATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Europe/Kyiv"


def test_mysql_8_password_authentication_has_its_cryptography() -> None:
    requirement = next(r for r in declared() if r.name == "aiomysql")
    assert "rsa" in requirement.extras
    metadata.version("cryptography")
