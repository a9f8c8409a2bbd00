"""Errors the use cases raise; the API renders them as Infobip ApiError bodies."""

from __future__ import annotations


class ServiceError(Exception):
    pass


class InvalidRequest(ServiceError):
    """A 400: one (property path, violation) per problem."""

    def __init__(self, violations: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{p}: {v}" for p, v in violations))
        self.violations = violations


class NotFound(ServiceError):
    def __init__(self, what: str, prop: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.prop = prop


class Conflict(ServiceError):
    def __init__(self, what: str, prop: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.prop = prop
