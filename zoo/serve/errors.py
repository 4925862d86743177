"""User mistakes as HTTP errors: a status and one line, sent as ``{"error": "..."}``.

Example:
    >>> UserError(404, "no model named 'x'").status
    404
"""

from __future__ import annotations


class UserError(Exception):
    """A request the server refuses: ``status`` (4xx, or 503/504 for load) and a message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def bad_request(message: str) -> UserError:
    """A 400: the request's content is wrong (shape, type, parameter, undecodable image)."""
    return UserError(400, message)
