"""The hash chain, as pure functions: an event's hash covers its canonical content and
the previous event's hash, so altering, removing or reordering any event is visible."""

import hashlib
import json
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_json(content: dict[str, Any]) -> str:
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def event_hash(*, content: dict[str, Any], prev_hash: str) -> str:
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical_json(content).encode("utf-8"))
    return digest.hexdigest()
