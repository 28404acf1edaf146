"""Health of the parts the web process depends on, as plain checks."""

from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import connection


@dataclass(frozen=True)
class PartHealth:
    ok: bool
    detail: str


def database_health() -> PartHealth:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"; say which kind
        return PartHealth(ok=False, detail=f"unreachable ({type(exc).__name__})")
    return PartHealth(ok=True, detail=connection.vendor)


def broker_health(timeout: float = 1.0) -> PartHealth:
    url = settings.CELERY_BROKER_URL
    if not url:
        return PartHealth(ok=True, detail="embedded: tasks run in-process")
    from kombu import Connection

    try:
        with Connection(
            url,
            connect_timeout=timeout,
            transport_options={
                "socket_timeout": timeout,
                "socket_connect_timeout": timeout,
                "max_retries": 0,
            },
        ) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
    except Exception as exc:  # noqa: BLE001
        return PartHealth(ok=False, detail=f"unreachable ({type(exc).__name__})")
    return PartHealth(ok=True, detail=url.split("://", 1)[0])


def system_health() -> tuple[int, dict]:
    """200 while the database is up, even with the broker down (the page says which part
    is down); 503 when the database is down, because then nothing works."""
    parts = {"database": database_health(), "broker": broker_health()}
    status = "ok" if all(p.ok for p in parts.values()) else "degraded"
    http_status = 200 if parts["database"].ok else 503
    if not parts["database"].ok:
        status = "down"
    return http_status, {"status": status, **{name: asdict(p) for name, p in parts.items()}}
