"""The AWS Lambda entry (serverless.yml: registry_api.lambda_handler.handler).

`handler` runs an operator command (`operator_commands`, sent as {"manage": ...})
or hands the event to `http_handler`: Mangum around Django's ASGI application
(`registry_api.asgi.handler`).
"""

import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from contextvars import Context, copy_context
from typing import Any

from asgiref.sync import ThreadSensitiveContext

from registry_api.asgi import handler as http_handler
from registry_api.operator_commands import handle

logger = logging.getLogger(__name__)

# Mangum's answer (and Django's last resort) when an exception escapes Django: plain text.
PLAIN_SERVER_ERROR = "Internal Server Error"
SERVER_ERROR = json.dumps({"detail": "Internal server error"})


def one_thread_context() -> Context:
    """A context in which every request runs its synchronous code (views, the
    ORM, signal receivers) on one thread that lives as long as the process.

    Django's ASGI handler would otherwise start a thread per request, and with
    it a database connection: CONN_MAX_AGE could keep none. A Lambda instance
    serves one request at a time."""
    context = copy_context()

    async def enter() -> None:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="requests")
        await AsyncExitStack().enter_async_context(ThreadSensitiveContext(executor=executor))  # never left

    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(loop.create_task(enter(), context=context))
    finally:
        loop.close()
    return context


requests_context = one_thread_context()


def handler(event: Any, context: Any) -> dict[str, Any]:
    if isinstance(event, dict) and "manage" in event:
        return handle(event)
    try:
        response = requests_context.run(http_handler, event, context)
    except (RuntimeError, TypeError, KeyError, IndexError, AttributeError):  # Mangum could not read the event
        kind = f"keys {sorted(map(str, event))[:10]}" if isinstance(event, dict) else type(event).__name__
        logger.warning("unsupported invocation (%s)", kind)
        return {
            "exit_status": 1,
            "error": f"unsupported event ({kind}): neither an API Gateway request nor an operator "
            'command such as {"manage": "migrate"}',
        }
    if response.get("statusCode") == 500 and response.get("body") == PLAIN_SERVER_ERROR and "headers" in response:
        response["headers"]["content-type"] = "application/json; charset=utf-8"  # logged by Mangum or Django
        response["body"] = SERVER_ERROR
    return response
