"""What the current request is, for code far from the view (audit rows, log lines).

A context variable, not a thread-local, so it is right under threads and async alike.
Outside a request (tasks, commands) there is none, and audit rows say so.
"""

import uuid
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RequestContext:
    request_id: uuid.UUID
    ip_address: str | None
    user_agent: str
    path: str
    # The request's user, resolved lazily (authentication runs after this is set); for
    # audit rows written far from the view, such as a role change in the admin.
    user: Any = None


_current: ContextVar[RequestContext | None] = ContextVar("request_context", default=None)


def current_request_context() -> RequestContext | None:
    return _current.get()


def set_request_context(context: RequestContext) -> Token:
    return _current.set(context)


def reset_request_context(token: Token) -> None:
    _current.reset(token)
