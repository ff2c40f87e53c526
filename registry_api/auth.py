"""The API's auth: wpauth's WordPress Basic auth between the JSON body checks
(`request_body`), in v1.0.x's order."""

from wpauth.caller import Caller
from wpauth.security import WordPressBasicAuth

from .request_body import reject_malformed_json, reject_non_object_body


class ApiAuth(WordPressBasicAuth):
    def __call__(self, request) -> Caller:
        reject_malformed_json(request)
        caller = super().__call__(request)
        # Here, the last step before Ninja validates: after authentication (a
        # 401 comes first), as FastAPI orders it (docs/api.md, "Conventions").
        reject_non_object_body(request)
        return caller
