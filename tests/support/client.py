"""The API as the tests call it in-process: Django's test client speaking JSON."""

import json

from django.test import Client


class ApiClient(Client):
    """Django's test client speaking JSON, optionally as one account."""

    def __init__(self, authorization: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.authorization = authorization

    def generic(self, method, path, data="", content_type="application/json", **extra):
        if self.authorization is not None:
            extra.setdefault("HTTP_AUTHORIZATION", self.authorization)
        if not isinstance(data, (str, bytes)):
            data = json.dumps(data)
        return super().generic(method, path, data, content_type, **extra)

    def get(self, path, data=None, **extra):
        # Query strings are given in the path; keeps GET from sending a body.
        return self.generic("GET", path, "", **extra)

    # Django's own post/put/patch/delete would encode `data` as a form first.
    def post(self, path, data="", **extra):
        return self.generic("POST", path, data, **extra)

    def put(self, path, data="", **extra):
        return self.generic("PUT", path, data, **extra)

    def patch(self, path, data="", **extra):
        return self.generic("PATCH", path, data, **extra)

    def delete(self, path, data="", **extra):
        return self.generic("DELETE", path, data, **extra)
