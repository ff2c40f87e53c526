"""Ninja's start-up, made cheap for a cold start (bench/README.md, plan steps 8 and 10).

Two costs of importing Ninja that no request needs:

- `ninja.conf` (django-ninja 1.7.1) imports `setting_changed` from
  `django.test.signals`. Django defines that signal in `django.core.signals`; the
  import path costs `django/test/__init__.py`, Django's whole test framework
  (the test client, TestCase, unittest, xml.dom, a WSGI server: 35 modules,
  about 30 ms of a cold start). `load_test_signals_alone` runs the real
  `django/test/signals.py` under its own name first, so every receiver it
  declares is connected as before, without the package around it.
- Ninja builds a pydantic model for each route's parameters and for each of its
  responses when the URLconf is imported, and each model's validator and
  serializer with it. `defer_route_models` leaves the building of both to the
  model's first use: a request builds only what its route needs; the OpenAPI
  document builds the rest.
"""

import importlib.util
import sys
from pathlib import Path

import django


def load_test_signals_alone() -> None:
    """Before Ninja's first import: `django.test.signals` without `django.test`.
    A later `import django.test` (a test run) imports the rest as usual and
    finds this module in place. Nothing to do once either is imported."""
    name = "django.test.signals"
    if "django.test" in sys.modules or name in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(name, Path(django.__file__).parent / "test" / "signals.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


def defer_route_models() -> None:
    """Before the URLconf's import: every Ninja schema (ours included) and every
    parameter model Ninja derives for a route is built at its first use. A
    pydantic model inherits its base's config when it is declared, so this must
    run before any is declared (RegistryApiConfig.ready)."""
    from ninja import Schema
    from ninja.params.models import ParamModel

    # ParamModel's subclasses (QueryModel, PathModel, ...) hold their own copies:
    # the list grows as it is walked, down to the last subclass.
    param_models = [ParamModel]
    for model in param_models:
        param_models.extend(model.__subclasses__())
    for base in (Schema, *param_models):
        base.model_config["defer_build"] = True
