"""Restart Registry API: the Django project (settings, URLs, the NinjaAPI, the ASGI/Lambda entry)."""

# The single source of the version: pyproject.toml reads it, and so does the
# OpenAPI document (the Lambda artifact carries no package metadata).
__version__ = "2.1.0"
