"""What the prediction engine announces to other apps (which never get imported here).
Listeners call their own services; signals never write audit events."""

from django.dispatch import Signal

# A version became the one that scores for its jobcenter and specification: kwargs
# model_version_id (the version carries its jobcenter).
model_version_activated = Signal()
# A jobcenter's stop switch changed: kwargs paused (bool), jobcenter_id.
scoring_paused_changed = Signal()
