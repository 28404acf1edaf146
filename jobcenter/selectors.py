"""Reads of the organisation."""

from jobcenter.models import Jobcenter


def jobcenter_dpo_contacts() -> list[tuple[str, str]]:
    """Each jobcenter's name and its DPO's contact point, for public pages (no personal
    data beyond the published contact)."""
    return list(Jobcenter.objects.order_by("name").values_list("name", "dpo_contact"))
