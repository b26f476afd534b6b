"""The limits `factcheck serve` holds every client to, besides the size of a request (which follows from
settings.limits.max_input_bytes: see submission.max_request_bytes)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ServeLimits(BaseModel):
    """How long a client may take and how many requests are taken at once. The defaults suit one person or a
    small team on one machine; `make_server(limits=...)` sets others (the tests set short timeouts)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    header_timeout: float = Field(default=10.0, gt=0)
    """Seconds a connection may take to send a request's line and headers before it is closed (408)."""
    body_timeout: float = Field(default=120.0, gt=0)
    """Seconds a request's body may take to arrive in full, once its headers have (408)."""
    keep_alive_timeout: int = Field(default=5, ge=1)
    """Seconds an idle connection is kept open between requests (uvicorn's timeout_keep_alive)."""
    checks_at_once: int = Field(default=4, ge=1)
    """Posted requests checked at the same time, each in a worker thread."""
    checks_waiting: int = Field(default=60, ge=0)
    """Posted requests that may wait for a turn; a request beyond these is refused with 503 before it is read."""
    max_connections: int = Field(default=256, ge=1)
    """Connections and requests in progress beyond which uvicorn answers 503 itself (limit_concurrency)."""
