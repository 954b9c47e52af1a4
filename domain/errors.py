"""Domain errors. Each carries a stable code and parameters so the bot can word it in the user's
language; str() gives an English sentence for logs and config messages."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every rule the domain refuses."""

    code = "domain_error"

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


class ValidationError(DomainError):
    """A value breaks a rule: out of range, too long, in the wrong order, unknown."""

    code = "invalid"

    def __init__(self, field: str, message: str, **params: Any) -> None:
        super().__init__(message, **params)
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class UnknownCategory(ValidationError):
    code = "unknown_category"

    def __init__(self, value: str) -> None:
        super().__init__("category", f"unknown category {value!r}", value=value)


class UnknownQualification(ValidationError):
    code = "unknown_qualification"

    def __init__(self, value: str) -> None:
        super().__init__("qualification", f"unknown qualification {value!r}", value=value)


class IllegalTransition(DomainError):
    """A posting cannot go from its status by that event (e.g. approve a withdrawn posting)."""

    code = "illegal_transition"

    def __init__(self, status: str, event: str) -> None:
        super().__init__(
            f"a posting in status {status!r} cannot {event}", status=status, event=event
        )
        self.status = status
        self.event = event


class NotFound(DomainError):
    """The posting, account or organisation asked for does not exist (or is not visible)."""

    code = "not_found"
