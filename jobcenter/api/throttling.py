"""Calls counted per account (a service account or a person; the address for nobody)
on the shared cache (``CACHES``: Redis in production), so every web process counts
the same calls. The rate is ``API_THROTTLE_RATE`` (e.g. ``600/minute``)."""

from django.conf import settings
from rest_framework.throttling import UserRateThrottle


class AccountRateThrottle(UserRateThrottle):
    scope = "account"

    def get_rate(self):
        return settings.API_THROTTLE_RATE
