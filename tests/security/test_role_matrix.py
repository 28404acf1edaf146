"""The role matrix in docs/roles.md, walked over every URL the URL conf has.

Every named URL must have a row in the matrix (a new page without a decision fails
here), and each role must get what its cell says: ✓ the page answers (whatever the form
then says about empty input), – it is refused (403, or 404 where the page hides that the
object exists; 401 on the API), and for the anonymous column a redirect to the login
unless ✓ (the API answers 401, never a redirect). The service account calls the API
with its key, and the pages with a session, which it is always refused."""

import os
import re
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from audit.actions import AuditAction
from audit.models import AuditEvent
from audit.services import audit_record
from casework.models import Estimate, ImportUpload, RuleFeedback
from cockpit.models import SummaryRun
from cockpit.summaries import summary_run_execute
from jobcenter.service_accounts import service_account_create
from prediction.models import TrainingRun
from prediction.registry import model_version_approve
from tests.factories import Role, make_staff
from tests.prediction.test_views import make_active, make_version

MATRIX = Path(__file__).resolve().parents[2] / "docs" / "roles.md"
ROLES = ["caseworker", "manager", "dpo", "analyst", "administrator", "service", "anonymous"]
ALLOWED, REFUSED = "✓", "–"


def matrix() -> dict[str, dict[str, str]]:
    """The table under '## The matrix' in docs/roles.md: URL name -> role -> ✓ or –."""
    rows = {}
    text = MATRIX.read_text(encoding="utf-8").split("## The matrix", 1)[1]
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 2 + len(ROLES) or not cells[0].startswith("`"):
            continue
        name = cells[0].strip("`")
        rows[name] = dict(zip(ROLES, cells[2:], strict=True))
    return rows


def url_names() -> list[str]:
    names = []

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or ""
                walk(pattern.url_patterns, f"{namespace}{inner}:" if inner else namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.append(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns)
    return sorted(set(names))


def test_every_url_has_a_decision_in_the_matrix():
    decided = matrix()
    missing = [
        name for name in url_names() if name not in decided and not name.startswith("admin:")
    ]
    assert "admin:*" in decided
    assert missing == [], "Pages with no decision in docs/roles.md"
    stale = [name for name in decided if name != "admin:*" and name not in url_names()]
    assert stale == [], "Rows in docs/roles.md for pages that no longer exist"
    for name, cells in decided.items():
        assert set(cells.values()) <= {ALLOWED, REFUSED}, name


def test_no_role_may_open_a_citizen_unless_it_works_with_citizens():
    decided = matrix()
    for name in ("casework:citizen", "casework:letter", "casework:judgement"):
        assert [role for role, cell in decided[name].items() if cell == ALLOWED] == ["caseworker"]


# -- Walking it --------------------------------------------------------------------------


@pytest.fixture
def world(jobcenter, caseworker, manager, dpo, analyst, citizen):
    """One of everything a URL can name, in the caseworker's team and jobcenter: an
    active version (with an estimate and a caseworker's flag on one of its rules), a
    candidate and an approved version beside it, a training run, a break-the-glass
    event, and the cockpit's figures."""
    administrator = make_staff("ada", Role.ADMINISTRATOR, jobcenter=jobcenter)
    service = service_account_create(jobcenter=jobcenter, name="sagssystem", days=30)
    specification = citizen.spells.get().snapshots.get().specification
    first = make_active(specification, trained_by=analyst, reviewer=manager)
    active = make_active(specification, trained_by=analyst, reviewer=manager)
    candidate = make_version(specification, trained_by=analyst)
    approved = make_version(specification, trained_by=analyst)
    model_version_approve(version=approved, user=manager, note="ok")
    spell = citizen.spells.get()
    # (Where on_commit hooks run at once, the activation has already scored the spell.)
    estimate, _created = Estimate.objects.get_or_create(
        snapshot=spell.snapshots.get(),
        model_version=active,
        defaults={"spell": spell, "probability": 0.5, "band": "medium", "leaf_id": 4},
    )
    feedback = RuleFeedback.objects.create(
        jobcenter=jobcenter,
        estimate=estimate,
        model_version=active,
        feature="age",
        kind=RuleFeedback.Kind.IRRELEVANT,
        user=caseworker,
    )
    run = TrainingRun.objects.create(
        jobcenter=jobcenter,
        specification=specification,
        requested_by=analyst,
        trigger=TrainingRun.Trigger.BUTTON,
    )
    with transaction.atomic():
        glass = audit_record(
            action=AuditAction.BREAK_GLASS,
            user=caseworker,
            citizen_id=citizen.pk,
            reason="Borgeren ringede og bad om hjælp",
        )
    summary_run_execute(run_id=SummaryRun.objects.create(jobcenter=jobcenter).pk)
    upload = ImportUpload.objects.create(
        jobcenter=jobcenter,
        uploaded_by=administrator,
        file_name="borgere.csv",
        content=b"",
        sha256="",
        size=0,
        report={"ok": False},
    )
    users = {
        "caseworker": caseworker,
        "manager": manager,
        "dpo": dpo,
        "analyst": analyst,
        "administrator": administrator,
        "service": service.record.user,
        "service_key": service.key,
    }
    kwargs = {
        "upload_id": upload.pk,
        "record_type": "citizens",
        "citizen_id": citizen.pk,
        "pk": active.pk,
        "run_id": run.pk,
        "event_id": glass.pk,
        "feedback_id": feedback.pk,
        "key": "judgements",
        "external_id": spell.external_id,
        "municipality_code": jobcenter.municipality_code,
    }
    # What an action needs to get past its form to the decision on who may do it.
    posts = {
        "prediction:train": {"specification": specification.pk},
        "prediction:scoring_pause": {"paused": "1", "reason": "Fejl i data fra sagssystemet"},
        "prediction:auto_promote": {"enabled": "1"},
        "prediction:approve": ({"pk": candidate.pk}, {"note": "Set og godkendt"}),
        "prediction:reject": ({"pk": candidate.pk}, {"note": "Ikke god nok"}),
        "prediction:activate": ({"pk": approved.pk}, {}),
        "prediction:retire": ({"pk": active.pk}, {"reason": "Udskiftes"}),
        "prediction:rollback": ({"pk": active.pk}, {"reason": "Tilbage til den forrige"}),
    }
    del first  # the version a rollback goes back to
    return users, kwargs, posts


def _url(name: str, kwargs: dict) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        pass
    for key, value in kwargs.items():
        try:
            return reverse(name, kwargs={key: value})
        except NoReverseMatch:
            continue
    raise AssertionError(f"no arguments known for {name}")


def _ask(client, url, data=None):
    """GET, or a POST where the page takes only POST (with what gets past its form)."""
    answer = client.get(url) if data is None else client.post(url, data)
    if answer.status_code == 405:
        answer = client.post(url, data or {})
    if answer.status_code == 302 and answer["Location"].startswith(reverse("admin:login")):
        answer = client.get(answer["Location"])  # the admin's way of saying no
    return answer


def _outcome(answer) -> str:
    if answer.status_code in (401, 403, 404):
        return REFUSED
    if answer.status_code in (301, 302) and "/login/" in answer.get("Location", ""):
        return "login"
    return ALLOWED if answer.status_code < 500 else f"error {answer.status_code}"


def _expected(row: dict, role: str, name: str) -> str:
    if name == "logout":
        return "login"  # everybody may log out, and lands on the login page
    if role == "anonymous":
        if _is_api(name):
            return row[role]  # the API answers 401, never a redirect to the login
        return ALLOWED if row[role] == ALLOWED else "login"
    return row[role]


def _is_api(name: str) -> bool:
    return name.startswith("api_") or name.split(":")[0].endswith("_api")


ADMIN_PAGES = ["admin:index", "admin:jobcenter_user_changelist", "admin:jobcenter_team_add"]
# Actions that change what the next role would find: each role gets a world of its own.
STATEFUL = {
    "prediction:scoring_pause",
    "prediction:auto_promote",
    "prediction:approve",
    "prediction:reject",
    "prediction:activate",
    "prediction:retire",
    "prediction:rollback",
}
CASES = [
    (name, roles)
    for name in sorted(set(matrix()) - {"admin:*"}) + ADMIN_PAGES
    for roles in ([[role] for role in ROLES] if name in STATEFUL else [ROLES])
]


@pytest.mark.parametrize(
    ("name", "roles"), CASES, ids=[f"{name}-{'+'.join(roles)}" for name, roles in CASES]
)
def test_each_role_gets_what_the_matrix_says(client, world, name, roles):
    users, kwargs, posts = world
    row = matrix()["admin:*" if name.startswith("admin:") else name]
    post = posts.get(name)
    if isinstance(post, tuple):
        url, data = reverse(name, kwargs=post[0]), post[1]
    else:
        url, data = _url(name, kwargs), post
    seen = {}
    for role in roles:
        client.logout()
        if role == "service" and _is_api(name):
            # The case system: its key, no session.
            caller = Client(HTTP_AUTHORIZATION=f"Api-Key {users['service_key']}")
            seen[role] = _outcome(_ask(caller, url, data))
            continue
        if role != "anonymous":
            client.force_login(users[role])
        seen[role] = _outcome(_ask(client, url, data))
    if os.environ.get("ROLE_MATRIX_PROBE"):
        print("PROBE", name, " ".join(f"{r}={o}" for r, o in seen.items()))
        return
    assert seen == {role: _expected(row, role, name) for role in roles}, url
    if not _is_api(name):
        assert row["service"] == REFUSED  # a service account has the API only


def test_a_refused_role_leaves_no_read_in_the_log(client, world):
    """A caseworker who tries the DPO's log is refused, and no read of it is recorded."""
    users, _kwargs, _posts = world
    client.force_login(users["caseworker"])
    before = AuditEvent.objects.count()
    assert _outcome(client.get(reverse("dpo:index"))) == REFUSED
    assert not AuditEvent.objects.filter(pk__gt=before, action="audit.view").exists()


def test_the_matrix_names_every_role():
    header = re.search(r"\| *Page *\|.*\|", MATRIX.read_text(encoding="utf-8")).group(0)
    for label in ("Caseworker", "Manager", "DPO", "Analyst", "Administrator", "Service"):
        assert label in header
