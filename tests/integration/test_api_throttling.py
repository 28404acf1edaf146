"""The API's throttling counts on the shared cache in Redis: two web processes (here two
clients; the count lives in Redis, not in a process) see one account's calls together."""

import os
from urllib.parse import urlparse

import pytest
from django.core.cache import caches
from django.urls import reverse

from jobcenter.service_accounts import service_account_create
from tests.api.conftest import key_client
from tests.integration.conftest import _reachable

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_cache(settings):
    url = os.environ.get("CACHE_URL") or "redis://127.0.0.1:6379/11"
    parsed = urlparse(url)
    if not _reachable(parsed.hostname or "127.0.0.1", parsed.port or 6379):
        pytest.skip(f"no Redis at {parsed.hostname}:{parsed.port}")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


def test_one_accounts_calls_are_counted_together_in_redis(redis_cache, settings, jobcenter):
    settings.API_THROTTLE_RATE = "4/minute"
    key = service_account_create(jobcenter=jobcenter, name="sagssystem", days=5).key
    first, second = key_client(key), key_client(key)
    url = reverse("api_schema")
    statuses = [client.get(url).status_code for client in (first, second, first, second)]
    assert statuses == [200, 200, 200, 200]
    assert second.get(url).status_code == 429
    assert redis_cache._cache.get_client().keys("*throttle_account_*")  # the count is there
