"""Reads of the organisation."""

from jobcenter.models import GrantRequest, Jobcenter


def jobcenter_dpo_contacts() -> list[tuple[str, str]]:
    """Each jobcenter's name and its DPO's contact point, for public pages (no personal
    data beyond the published contact)."""
    return list(Jobcenter.objects.order_by("name").values_list("name", "dpo_contact"))


def jobcenters_public():
    """The jobcenters of this deployment, for the public index (name and code only)."""
    return Jobcenter.objects.order_by("name").only("pk", "name", "municipality_code", "dpo_contact")


def jobcenter_public_get(*, municipality_code: str) -> Jobcenter | None:
    return Jobcenter.objects.filter(municipality_code=municipality_code).first()


def grant_requests_for(*, user) -> dict:
    """The grants waiting in the user's jobcenter, and the latest decided ones."""
    rows = GrantRequest.objects.filter(jobcenter_id=user.jobcenter_id).select_related(
        "user", "team", "requested_by", "decided_by"
    )
    return {
        "pending": list(rows.filter(state=GrantRequest.State.PENDING).order_by("requested_at")),
        "decided": list(
            rows.exclude(state=GrantRequest.State.PENDING).order_by("-decided_at")[:20]
        ),
    }
