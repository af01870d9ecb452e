"""The mypy configuration `make lint` runs (pyproject.toml): strict on centre and on every app's
services, selectors and permissions modules, and no module quietly left out of it."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("centre", "counselling", "screening", "hotline", "outreach")
STRICT_FLAGS = {
    "disallow_any_generics",
    "disallow_subclassing_any",
    "disallow_untyped_calls",
    "disallow_untyped_defs",
    "disallow_incomplete_defs",
    "disallow_untyped_decorators",
    "warn_return_any",
    "no_implicit_reexport",
    "strict_equality",
    "extra_checks",
}


def mypy_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def overrides_of(module: str) -> list[dict]:
    return [
        override
        for override in mypy_config()["overrides"]
        if any(fnmatch.fnmatchcase(module, pattern) for pattern in _patterns(override))
    ]


def _patterns(override: dict) -> list[str]:
    module = override["module"]
    return [module] if isinstance(module, str) else module


def layer_modules() -> set[str]:
    """Every app's services, selectors and permissions, as modules or packages."""
    found = set()
    for app in APPS:
        for layer in ("services", "selectors", "permissions"):
            paths = [ROOT / app / f"{layer}.py", *(ROOT / app / layer).glob("**/*.py")]
            found |= {module_name(path) for path in paths if path.is_file()}
    return found


def strict_flags_of(module: str) -> set[str]:
    return {
        flag for override in overrides_of(module) for flag, on in override.items() if on is True
    }


def test_no_override_says_strict():
    """mypy applies `strict` met in an override to every module: the flags are spelled out."""
    assert [o["module"] for o in mypy_config()["overrides"] if "strict" in o] == []


def test_every_services_selectors_and_permissions_module_is_strict():
    modules = layer_modules()
    assert {
        "centre.selectors",
        "centre.permissions",
        "counselling.selectors",
        "counselling.services.cases",
        "screening.services",
    } <= modules
    assert {module: STRICT_FLAGS - strict_flags_of(module) for module in modules} == {
        module: set() for module in modules
    }


def test_every_centre_module_but_migrations_is_strict():
    modules = {
        module_name(path)
        for path in (ROOT / "centre").glob("**/*.py")
        if "migrations" not in path.parts
    }
    assert [module for module in sorted(modules) if STRICT_FLAGS - strict_flags_of(module)] == []


def test_no_services_selectors_or_permissions_module_silences_an_error_code():
    silenced = {
        module: override["disable_error_code"]
        for module in layer_modules()
        for override in overrides_of(module)
        if "disable_error_code" in override
    }
    assert silenced == {}


def test_the_packages_split_by_subject_are_strict_and_silence_nothing():
    """counselling's services and screening's import, split into packages (issue 12)."""
    modules = {
        module_name(path)
        for package in ("counselling/services", "screening/importing")
        for path in (ROOT / package).glob("*.py")
    }
    assert {"counselling.services.cases", "screening.importing.validation"} <= modules
    for module in modules | {"counselling.services", "screening.importing"}:
        assert STRICT_FLAGS - strict_flags_of(module) == set()
        assert not any(
            override.get("ignore_errors") or override.get("disable_error_code")
            for override in overrides_of(module)
        )
