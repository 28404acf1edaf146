"""What the prediction engine announces to other apps (which never get imported here).
Listeners call their own services; signals never write audit events."""

from django.dispatch import Signal

# A version became the one that scores for its specification: kwargs model_version_id.
model_version_activated = Signal()
# The global stop switch changed: kwargs paused (bool).
scoring_paused_changed = Signal()
