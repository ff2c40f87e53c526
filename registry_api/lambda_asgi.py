"""Django's ASGI handler for a Lambda instance, which serves one request at a time."""

from django.core.handlers.asgi import ASGIHandler


class LambdaASGIHandler(ASGIHandler):
    """Every request's sync code (views, the ORM) runs in the same long-lived thread.

    Django's own handler gives each request a thread of its own (asgiref's
    ThreadSensitiveContext), and Django's database connections belong to a
    thread: so every request opened a new one (for SQLite, the file, two PRAGMAs
    and a parse of the schema; for PostgreSQL, TCP, TLS and authentication).
    Without that context, asgiref runs sync code in one process-wide thread, so
    with CONN_MAX_AGE the next request on this instance reuses the connection.

    For Lambda only: under an ASGI server with concurrent requests, one thread
    would serialise them. Such servers get `registry_api.asgi.application`.
    """

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":  # as Django's own handler
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)
