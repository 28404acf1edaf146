"""Typed readers for environment variables that fail fast (after healthchecks' settings).

Every setting is read through one of these, so a mistyped value stops the process at
start-up with the variable's name instead of surfacing later as odd behaviour. A secret
may come from ``NAME_FILE`` (a path, for Docker and Kubernetes secrets) instead of NAME.
"""

import os
from pathlib import Path


class ImproperlyConfiguredEnv(Exception):
    pass


def envstr(name: str, default: str | None = None) -> str | None:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            return Path(file_path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfiguredEnv(f"{name}_FILE: cannot read {file_path}: {exc}") from exc
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value


def envbool(name: str, default: bool) -> bool:
    value = envstr(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfiguredEnv(f"{name}: expected true/false, got {value!r}")


def envint(name: str, default: int) -> int:
    value = envstr(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfiguredEnv(f"{name}: expected a whole number, got {value!r}") from exc


def envlist(name: str, default: list[str]) -> list[str]:
    value = envstr(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]
