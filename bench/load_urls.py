"""The product's URLs plus the bare view, for the load test's saturation comparison."""

from django.urls import path

from bench.load_views import bare_citizen
from jobcenter.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    *product_urlpatterns,
    path("bench/citizen/<uuid:citizen_id>/", bare_citizen, name="bench_bare_citizen"),
]
