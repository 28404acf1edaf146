"""Test settings: the base settings with fast password hashing, tasks run in-process
(the integration tests send theirs through the real broker explicitly), and database
backends that may flush the append-only audit table between transactional tests.

The database still comes from DATABASE_URL: SQLite by default, PostgreSQL in CI.
"""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"

TEST_BACKENDS = {
    "django.db.backends.postgresql": "tests.db_backends.postgresql",
    "django.db.backends.sqlite3": "tests.db_backends.sqlite3",
}
DATABASES["default"]["ENGINE"] = TEST_BACKENDS[DATABASES["default"]["ENGINE"]]
DATABASES["default"]["CONN_MAX_AGE"] = 0

CELERY_TASK_ALWAYS_EAGER = True

# External audit checkpoints: never the development directory under var/ (whose lines
# belong to another database); one per test process unless given (a test that starts
# verify_audit as a process passes its own).
if not os.environ.get("AUDIT_CHECKPOINT_DIR"):
    AUDIT_CHECKPOINT_DIR = Path(tempfile.gettempdir()) / f"jobcenter-test-checkpoints-{os.getpid()}"
API_THROTTLE_RATE = "100000/minute"  # the throttling test sets its own
