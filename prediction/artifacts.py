"""Model artefacts: skops bytes (never pickle), a SHA-256 checked on every load, a fixed
and reviewed list of trusted types, and a per-process cache by version.

A new type in an artefact (another estimator, a custom class) is refused until someone
reviews it and adds it to ``TRUSTED_TYPES``; a tampered artefact (its hash differs from
the registry's) is refused. Either way the caller gets ``ArtifactRefused`` and shows no
score, never a crash.
"""

from __future__ import annotations

import hashlib
import logging
import threading

import numpy
import sklearn
import skops.io

logger = logging.getLogger(__name__)

# Reviewed: the pipeline, our encoder, the tree and its low-level state. Nothing else.
TRUSTED_TYPES = (
    "prediction.encoding.CategoryRankEncoder",
    "sklearn.pipeline.Pipeline",
    "sklearn.tree._classes.DecisionTreeClassifier",
    "sklearn.tree._tree.Tree",
)


class ArtifactRefused(Exception):
    """The artefact cannot be trusted: wrong hash, unknown types, or unreadable."""


def artifact_dump(pipeline) -> tuple[bytes, str]:
    """The pipeline as skops bytes and their SHA-256. Refuses to write an artefact that
    could not be loaded again with the trusted list."""
    data = skops.io.dumps(pipeline)
    untrusted = set(skops.io.get_untrusted_types(data=data)) - set(TRUSTED_TYPES)
    if untrusted:
        raise ArtifactRefused(f"artefact would contain unreviewed types: {sorted(untrusted)}")
    return data, hashlib.sha256(data).hexdigest()


def artifact_load(*, data: bytes, sha256: str):
    """The pipeline, after checking the hash and that it holds only trusted types."""
    data = bytes(data)
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise ArtifactRefused(
            f"artefact hash {actual[:12]}… differs from the registry's {sha256[:12]}…"
        )
    try:
        untrusted = set(skops.io.get_untrusted_types(data=data)) - set(TRUSTED_TYPES)
        if untrusted:
            raise ArtifactRefused(f"artefact contains unreviewed types: {sorted(untrusted)}")
        return skops.io.loads(data, trusted=list(TRUSTED_TYPES))
    except ArtifactRefused:
        raise
    except Exception as exc:  # a corrupt file must mean "no score", not a crash
        raise ArtifactRefused(f"artefact cannot be read: {exc.__class__.__name__}") from exc


def software_versions() -> dict[str, str]:
    return {"sklearn": sklearn.__version__, "numpy": numpy.__version__}


class _Cache:
    """Loaded models by version id, per process. Versions are immutable, so an entry
    never goes stale; the hash is checked once, when it is loaded."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[tuple[int, str], object] = {}

    def get_or_load(self, key: tuple[int, str], load):
        item = self._items.get(key)
        if item is None:
            with self._lock:
                item = self._items.get(key)
                if item is None:
                    item = load()
                    self._items[key] = item
        return item

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


compiled_cache = _Cache()
