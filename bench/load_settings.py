"""Bench-only settings for the load test (``bench/bench_load.py``): the product's settings
with a URLconf that adds the bare view of ``bench/load_views.py``. Never used by the
product; the product's own URLconf does not know the bare view."""

from jobcenter.settings.base import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
