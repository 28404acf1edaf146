"""Sending background work to the broker so that a broker that is down says so at once.

A service that queues work (a training run, a summary refresh, an integrity check)
creates its run row and calls :func:`task_send` inside its transaction:

1. the broker is asked first, with a short timeout: when it does not answer,
   :class:`BackgroundUnavailable` is raised, the caller's transaction rolls back and
   nothing is left waiting (no run "queued" that can never run and would block the
   next request);
2. the message itself is published once the transaction has committed (so a worker
   never looks for a run that is not yet there); should the broker go away in between,
   ``on_failure`` marks the run failed, so it does not block later requests either.

Messages are sent without a result (``ignore_result``): the run rows hold the state,
and Celery's Redis result consumer would otherwise retry for 20 s and then need a
restart of the process. With no broker configured (the embedded mode) the task runs
in-process after the commit, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

BACKGROUND_UNAVAILABLE = _(
    "Baggrundsarbejdet kan ikke startes lige nu: køen (Redis) svarer ikke. Intet er sat i "
    "gang og intet er gemt. Prøv igen om lidt, og kontakt driften, hvis det varer ved."
)


class BackgroundUnavailable(Exception):
    """The broker does not answer: background work cannot be queued now."""

    def __init__(self, message=BACKGROUND_UNAVAILABLE):
        super().__init__(str(message))
        self.message = message


def broker_check(app=None) -> None:
    """Raises :class:`BackgroundUnavailable` unless the broker answers now (one try,
    within ``broker_connection_timeout``)."""
    from kombu.exceptions import OperationalError

    from jobcenter.celery import app as project_app

    app = app or project_app
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2,
                                         timeout=app.conf.broker_connection_timeout)
    except (OperationalError, OSError) as exc:
        logger.error("broker unavailable: %s", exc.__class__.__name__)
        raise BackgroundUnavailable() from exc


def task_send(task, *, kwargs: dict, on_failure: Callable[[], None] | None = None) -> None:
    """Queues ``task`` with ``kwargs`` once the current transaction commits; refuses at
    once (:class:`BackgroundUnavailable`) when the broker is down. Call it inside the
    transaction that creates the work's row."""
    if task.app.conf.task_always_eager:
        transaction.on_commit(lambda: task.apply_async(kwargs=kwargs))
        return
    broker_check(task.app)

    def publish() -> None:
        try:
            task.apply_async(kwargs=kwargs, ignore_result=True)
        except Exception:
            logger.exception("could not send %s", task.name)
            if on_failure is not None:
                on_failure()

    transaction.on_commit(publish)
