"""Ninja's start-up made cheap (registry_api/ninja_startup.py; bench/README.md,
plan steps 8 and 10): a cold start loads none of Django's test framework yet every
receiver of Django's test signals is connected, and it builds no route's model.

The cold starts are fresh processes: what matters is what importing the handler does."""

import ast
from pathlib import Path

import django
import pytest
from ninja import Schema
from ninja.params.models import ParamModel

from registry_api.ninja_startup import load_test_signals_alone
from tests.support.lambda_process import cold_start, imported
from tests.support.wordpress import serve_stand_in

pytestmark = pytest.mark.sqlite_only(reason="a process on its own SQLite file; the engine makes no difference")

TEST_SIGNALS = Path(django.__file__).parent / "test" / "signals.py"

# Run in the cold-started process: every pydantic model of the service's
# packages, and every model Ninja derived for a route, that is built.
BUILT_MODELS = """
import pydantic
from ninja.params.models import ParamModel
import items.schemas

def every(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from every(sub)

ours = ("access.", "core.", "items.", "registries.", "registry_api.", "wpgateway.")
def for_a_route(model):
    return model.__name__ == "NinjaResponseSchema" or (
        issubclass(model, ParamModel) and model.__module__ != "ninja.params.models")

models = {m for m in every(pydantic.BaseModel) if m.__module__.startswith(ours) or for_a_route(m)}
adapters = {name: getattr(items.schemas, name) for name in ("ADMIN_ITEMS", "PUBLIC_ITEMS", "ITEM_LIST")}
result = {
    "models": len(models),
    "built": sorted(f"{m.__module__}.{m.__qualname__}" for m in models if m.__pydantic_complete__),
    "adapters built": sorted(name for name, adapter in adapters.items() if adapter.pydantic_complete),
}
"""


def setting_changed_receivers_declared_in(source: Path) -> set[str]:
    """The functions `source` decorates with @receiver(setting_changed), read from the file itself."""
    return {
        node.name
        for node in ast.walk(ast.parse(source.read_text()))
        if isinstance(node, ast.FunctionDef)
        and any(ast.unparse(decorator) == "receiver(setting_changed)" for decorator in node.decorator_list)
    }


def test_a_cold_start_loads_none_of_djangos_test_framework(tmp_path):
    modules = cold_start(tmp_path / "data.db")["modules"]
    assert imported(modules, "django.test") == ["django.test.signals"]
    for package in ("unittest", "xml.dom", "wsgiref", "django.core.servers", "django.core.handlers.wsgi"):
        assert imported(modules, package) == [], package
    assert "ninja.conf" in modules


def test_every_receiver_of_djangos_test_signals_is_connected_and_ninja_follows_its_settings(tmp_path):
    extra = """
from django.core.signals import setting_changed
loaded = sys.modules["django.test.signals"]
connected = {f"{r.__module__}.{r.__qualname__}" for r in setting_changed._live_receivers(None)[0]}
# A later import of the package (a test run) finds the module in place.
from django.test import Client, override_settings
import django.test.signals as later
import ninja.conf
with override_settings(NINJA_PAGINATION_PER_PAGE=7):
    inside = ninja.conf.settings.PAGINATION_PER_PAGE
result = {"file": loaded.__file__, "connected": sorted(connected), "same": later is loaded,
          "per page": [inside, ninja.conf.settings.PAGINATION_PER_PAGE], "client": Client.__module__}
"""
    result = cold_start(tmp_path / "data.db", extra=extra)["result"]
    assert Path(result["file"]).resolve() == TEST_SIGNALS.resolve() and result["same"]
    declared = setting_changed_receivers_declared_in(TEST_SIGNALS)
    assert len(declared) > 10  # Django's own: caches, time zone, templates, databases ...
    assert {f"django.test.signals.{name}" for name in declared} <= set(result["connected"])
    assert "ninja.conf.reload_ninja_settings" in result["connected"]
    assert result["per page"] == [7, 100]
    assert result["client"] == "django.test.client"


def test_a_cold_start_builds_no_model_of_a_route(tmp_path):
    result = cold_start(tmp_path / "data.db", extra=BUILT_MODELS)["result"]
    assert result["models"] > 40  # the service's schemas and every route's parameters and responses
    # Built at its declaration: an instance of it is RegistryCreate's default `meta`.
    assert result["built"] == ["registries.schemas.RegistryMetaIn"]
    assert result["adapters built"] == []


def test_a_request_builds_only_the_models_of_its_route(tmp_path):
    wordpress = serve_stand_in()
    try:
        extra = f"""
from tests.support.accounts import basic
status = handler(http_v2_event("GET", "/items/424242", headers={{"Authorization": basic("admin")}}), None)["statusCode"]
{BUILT_MODELS}
result["status"] = status
"""
        result = cold_start(tmp_path / "data.db", extra=extra, WP_BASE_URL=wordpress.url)["result"]
    finally:
        wordpress.stop()
    assert result["status"] == 404  # authenticated, its path parameter read, and no such item
    assert [name.rpartition(".")[2] for name in result["built"]] == ["PathParams", "RegistryMetaIn"]
    assert result["adapters built"] == []


def test_the_models_are_deferred_in_every_process():
    """This test process declared its routes after RegistryApiConfig.ready(), as every process does."""
    from items.schemas import ItemCreate
    from registry_api.api import api

    assert Schema.model_config.get("defer_build") and ItemCreate.model_config.get("defer_build")
    assert all(model.model_config.get("defer_build") for model in ParamModel.__subclasses__())
    assert api.get_openapi_schema()["components"]["schemas"]["ItemCreate"]["required"] == [
        "name",
        "url",
        "registry_id",
    ]


def test_loading_the_test_signals_alone_does_nothing_once_django_test_is_imported():
    import sys

    import django.test.signals

    load_test_signals_alone()
    assert sys.modules["django.test.signals"] is django.test.signals
