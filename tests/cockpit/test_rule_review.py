"""The data team's rule review (/cockpit/rules/): leaves by disagreement and the
caseworkers' flags, for the analyst of a jobcenter only, never naming a caseworker."""

import datetime
import html
import itertools
import re

import pytest
from django.urls import reverse

from audit.actions import AuditAction
from audit.models import AuditEvent
from casework.models import Agreement, Estimate, Judgement, JudgementReason, RuleFeedback
from cockpit.models import RuleFeedbackReview
from cockpit.rule_review import leaf_disagreements
from tests.casework.guards import casework_guards_lifted
from tests.factories import Role, make_citizen_with_spell, make_cpr, make_staff

RULES = reverse("cockpit:rules")

# The tiny tree of tests.prediction.test_views: leaf ids and their first condition.
LEAF_HIGH, LEAF_LOW, LEAF_SMALL, LEAF_OTHER = 10, 4, 6, 11


_births = itertools.count()


def unique_cpr():
    """A CPR number no other citizen of the test has (make_cpr repeats after 100)."""
    return make_cpr(datetime.date(1970, 1, 1) + datetime.timedelta(days=next(_births)))


def review_url(feedback):
    return reverse("cockpit:rule_review", args=[feedback.pk])


@pytest.fixture
def active_version(citizen, analyst, manager):
    from tests.prediction.test_views import make_active

    specification = citizen.spells.get().snapshots.get().specification
    return make_active(specification, trained_by=analyst, reviewer=manager)


@pytest.fixture
def foreign_version(active_version, foreign_caseworker):
    """The other jobcenter's own active version (each jobcenter scores with its own)."""
    from tests.prediction.test_views import make_active

    jobcenter = foreign_caseworker.jobcenter
    return make_active(
        active_version.specification,
        trained_by=make_staff("fiona", Role.ANALYST, jobcenter=jobcenter),
        reviewer=make_staff("folmer", Role.MANAGER, jobcenter=jobcenter),
    )


@pytest.fixture
def version_of(active_version, foreign_version):
    """The active version of a user's jobcenter."""
    return lambda user: (
        active_version if user.jobcenter_id == active_version.jobcenter_id else foreign_version
    )


@pytest.fixture
def judge(version_of):
    """Makes a citizen with a snapshot, the estimate of the active version of the
    caseworker's jobcenter in ``leaf`` and a judgement of it by ``caseworker``."""

    def _judge(*, leaf, caseworker, agreement, reason=JudgementReason.OTHER, supersede=None):
        citizen, spell = make_citizen_with_spell(
            team=caseworker.team, caseworker=caseworker, name="Borger Test", cpr=unique_cpr()
        )
        snapshot = spell.snapshots.get()
        estimate = Estimate.objects.create(
            snapshot=snapshot,
            spell=spell,
            model_version=version_of(caseworker),
            probability=0.5,
            band="medium",
            leaf_id=leaf,
        )
        disagree = agreement == Agreement.DISAGREE
        return Judgement.objects.create(
            jobcenter_id=caseworker.jobcenter_id,
            spell=spell,
            snapshot=snapshot,
            estimate=estimate,
            caseworker=caseworker,
            risk_band="high",
            agreement=agreement,
            reason_category=reason if disagree else "",
            reason_text="Begrundet i samtalen" if disagree else "",
            next_step="guidance",
        )

    return _judge


@pytest.fixture
def flag(version_of):
    def _flag(*, user, feature="benefit_type", kind="misleading", comment="Passer ikke her"):
        citizen, spell = make_citizen_with_spell(
            team=user.team, caseworker=user, name="B Flag", cpr=unique_cpr()
        )
        estimate = Estimate.objects.create(
            snapshot=spell.snapshots.get(),
            spell=spell,
            model_version=version_of(user),
            probability=0.9,
            band="high",
            leaf_id=LEAF_HIGH,
        )
        return RuleFeedback.objects.create(
            jobcenter_id=user.jobcenter_id,
            estimate=estimate,
            model_version=version_of(user),
            feature=feature,
            rule_text="Ydelse er Kontanthjælp, aktivitetsparat",
            kind=kind,
            comment=comment,
            user=user,
        )

    return _flag


@pytest.fixture
def foreign_analyst(foreign_caseworker):
    return make_staff("fenja", Role.ANALYST, jobcenter=foreign_caseworker.jobcenter)


@pytest.fixture
def data(judge, flag, caseworker, colleague, other_caseworker, foreign_caseworker):
    """Judgements on three leaves (one with fewer than 5), some that must not count, and
    flags of this jobcenter and another. Returns what was created."""
    made = []
    # High leaf: 8 judgements, 6 disagreements (5 "known information", 1 "other").
    for i in range(8):
        made.append(
            judge(
                leaf=LEAF_HIGH,
                caseworker=(caseworker, colleague, other_caseworker)[i % 3],
                agreement=Agreement.DISAGREE if i < 6 else Agreement.AGREE,
                reason=JudgementReason.KNOWN_INFORMATION if i < 5 else JudgementReason.OTHER,
            )
        )
    # Low leaf: 6 judgements, 2 disagreements ...
    for i in range(6):
        made.append(
            judge(
                leaf=LEAF_LOW,
                caseworker=(caseworker, other_caseworker)[i % 2],
                agreement=Agreement.DISAGREE if i < 2 else Agreement.AGREE,
            )
        )
    # ... and one of its agreements superseded an earlier disagreement of the same spell:
    # only the current judgement counts.
    current = made[-1]
    earlier = Judgement.objects.create(
        jobcenter_id=current.jobcenter_id,
        spell=current.spell,
        snapshot=current.snapshot,
        estimate=current.estimate,
        caseworker=current.caseworker,
        risk_band="low",
        agreement=Agreement.DISAGREE,
        reason_category=JudgementReason.OTHER,
        reason_text="Først uenig",
        next_step="guidance",
    )
    with casework_guards_lifted():
        Judgement.objects.filter(pk=current.pk).update(supersedes=earlier)
    # Small leaf: 3 judgements, all disagreements: a 100 % that must not be shown.
    for _ in range(3):
        made.append(judge(leaf=LEAF_SMALL, caseworker=colleague, agreement=Agreement.DISAGREE))
    # Not counted: a judgement that saw no estimate, and another jobcenter's.
    citizen, spell = make_citizen_with_spell(
        team=caseworker.team, caseworker=caseworker, cpr=unique_cpr()
    )
    Judgement.objects.create(
        jobcenter_id=caseworker.jobcenter_id,
        spell=spell,
        snapshot=spell.snapshots.get(),
        caseworker=caseworker,
        risk_band="high",
        agreement=Agreement.NOT_SEEN,
        next_step="guidance",
    )
    for _ in range(6):
        judge(leaf=LEAF_LOW, caseworker=foreign_caseworker, agreement=Agreement.DISAGREE)
    flags = [
        flag(user=caseworker, comment="Ydelsen siger intet om hende"),
        flag(user=other_caseworker, feature="months_employed_3y", kind="irrelevant"),
    ]
    foreign_flag = flag(user=foreign_caseworker, comment="Udenbys kommentar")
    return {"judgements": made, "flags": flags, "foreign_flag": foreign_flag}


def expected_counts(judgements):
    """(judgements, disagreements) per leaf, counted directly from the created rows."""
    counts = {}
    for judgement in Judgement.objects.filter(pk__in=[j.pk for j in judgements]):
        n, d = counts.get(judgement.estimate.leaf_id, (0, 0))
        counts[judgement.estimate.leaf_id] = (
            n + 1,
            d + (judgement.agreement == Agreement.DISAGREE),
        )
    return counts


def leaf_row(page, version, leaf):
    match = re.search(rf'<tr id="leaf-{version.pk}-{leaf}">(.*?)</tr>', page, re.S)
    assert match, f"no row for leaf {leaf}"
    return match.group(1)


def cells(row):
    return [
        html.unescape(re.sub(r"<[^>]+>", " ", cell)).split()
        for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
    ]


# -- Who may see it ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona",
    ["caseworker", "colleague", "other_caseworker", "manager", "dpo", "foreign_caseworker"],
)
def test_it_is_a_404_for_every_other_role(request, login, persona, data):
    client = login(request.getfixturevalue(persona))
    assert client.get(RULES).status_code == 404
    assert client.post(RULES).status_code == 404
    assert client.get(review_url(data["flags"][0])).status_code == 404
    response = client.post(review_url(data["flags"][0]), {"state": "read"})
    assert response.status_code == 404
    assert not RuleFeedbackReview.objects.exists()


def test_it_is_a_404_for_an_administrator(login, data):
    from tests.factories import make_staff as staff

    administrator = staff("ada", Role.ADMINISTRATOR, jobcenter=data["flags"][0].jobcenter)
    assert login(administrator).get(RULES).status_code == 404


def test_it_sends_an_anonymous_user_away(client):
    response = client.get(RULES)
    assert response.status_code == 302 and "login" in response["Location"]


def test_it_shows_the_page_to_the_analyst(login, analyst, data):
    response = login(analyst).get(RULES)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<caption>" in page and 'scope="col"' in page and 'scope="row"' in page
    assert "Regler til gennemsyn" in page
    assert "<5" not in page  # "<5" is escaped wherever it is text
    assert "vises som “&lt;5”" in page


def test_it_shows_another_jobcenters_analyst_none_of_these_flags(login, foreign_analyst, data):
    page = login(foreign_analyst).get(RULES).content.decode()
    assert "Ydelsen siger intet om hende" not in page
    assert "Udenbys kommentar" in page
    for feedback in data["flags"]:
        assert f'id="flag-{feedback.pk}"' not in page
    # The foreign jobcenter's leaf figures are its own: 6 disagreements of 6 on one leaf.
    review = leaf_disagreements(user=foreign_analyst)
    assert [(leaf.leaf_id, leaf.judgements, leaf.disagreements) for leaf in review.leaves] == [
        (LEAF_LOW, 6, 6)
    ]


# -- Leaves by disagreement -------------------------------------------------------------


def test_the_rates_on_the_page_are_the_counted_ones(login, analyst, active_version, data):
    page = login(analyst).get(RULES).content.decode()
    counts = expected_counts(data["judgements"])
    assert counts[LEAF_HIGH] == (8, 6) and counts[LEAF_LOW] == (6, 2)  # the data as meant
    for leaf in (LEAF_HIGH, LEAF_LOW):
        n, d = counts[leaf]
        row = cells(leaf_row(page, active_version, leaf))
        assert row[3] == [str(n)]
        assert row[4] == [str(d)]
        assert row[5] == [f"{d / n * 100:.1f}".replace(".", ","), "%"]


def test_it_sorts_by_rate_and_puts_small_leaves_last(login, analyst, active_version, data):
    page = login(analyst).get(RULES).content.decode()
    order = [int(leaf) for leaf in re.findall(rf'id="leaf-{active_version.pk}-(\d+)"', page)]
    assert order == [LEAF_HIGH, LEAF_LOW, LEAF_SMALL]


def test_a_leaf_with_fewer_than_5_judgements_shows_less_than_5(
    login, analyst, active_version, data
):
    page = login(analyst).get(RULES).content.decode()
    row = leaf_row(page, active_version, LEAF_SMALL)
    values = cells(row)
    assert values[3] == ["<5"] and values[4] == ["<5"]
    assert values[5] == ["–"]
    assert "100" not in row and "3" not in [v for cell in values[3:] for v in cell]


def test_it_shows_the_leafs_rule_and_its_commonest_reasons(login, analyst, active_version, data):
    page = login(analyst).get(RULES).content.decode()
    row = leaf_row(page, active_version, LEAF_HIGH)
    assert "Ydelse er Kontanthjælp, aktivitetsparat" in row
    assert "Måneder i beskæftigelse de seneste 3 år er højst 10 måneder" in row
    reasons = html.unescape(row.split("<ul>")[-1])
    assert reasons.index("Jeg kender oplysninger, som modellen ikke har (5)") < reasons.index(
        "Andet (<5)"
    )


def test_it_says_so_when_no_model_is_active(login, analyst):
    page = login(analyst).get(RULES).content.decode()
    assert "Ingen model er i brug lige nu." in page


# -- Flags from caseworkers -------------------------------------------------------------


def test_it_names_no_caseworker_and_no_team(
    login, analyst, data, caseworker, colleague, other_caseworker, foreign_caseworker
):
    page = login(analyst).get(RULES).content.decode().lower()
    for user in (caseworker, colleague, other_caseworker, foreign_caseworker):
        assert user.username.lower() not in page
        assert user.get_full_name().lower() not in page
        if user.team:
            assert user.team.name.lower() not in page
    assert "ydelsen siger intet om hende" in page  # the comment is there, its author not


def test_it_shows_the_flags_with_their_labels(login, analyst, data):
    page = login(analyst).get(RULES).content.decode()
    first, second = data["flags"]
    row = html.unescape(re.search(rf'id="flag-{first.pk}".*?</tr>', page, re.S).group(0))
    assert "Ydelse" in row and "Misvisende for denne borger" in row
    assert "Ydelsen siger intet om hende" in row and "ny" in row
    row = re.search(rf'id="flag-{second.pk}".*?</tr>', page, re.S).group(0)
    assert "Måneder i beskæftigelse de seneste 3 år" in row
    assert "Irrelevant for denne borger" in row


def test_it_filters_the_flags_by_state(login, analyst, data):
    first, second = data["flags"]
    RuleFeedbackReview.objects.create(
        jobcenter_id=first.jobcenter_id,
        feedback=first,
        state="acted",
        reviewed_by=analyst,
        reviewed_at=first.created_at,
    )
    client = login(analyst)
    new = client.get(RULES, {"state": "new"}).content.decode()
    acted = client.get(RULES, {"state": "acted"}).content.decode()
    read = client.get(RULES, {"state": "read"}).content.decode()
    everything = client.get(RULES, {"state": "nonsense"}).content.decode()
    assert f'id="flag-{second.pk}"' in new and f'id="flag-{first.pk}"' not in new
    assert f'id="flag-{first.pk}"' in acted and f'id="flag-{second.pk}"' not in acted
    assert "Ingen tilbagemeldinger med denne status." in read
    assert f'id="flag-{first.pk}"' in everything and f'id="flag-{second.pk}"' in everything
    assert "Ny (1)" in new and "Handlet på (1)" in new and "Læst (0)" in new


# -- Marking ----------------------------------------------------------------------------


def test_marking_writes_one_audit_event_and_shows_the_new_state(login, analyst, data):
    feedback = data["flags"][0]
    client = login(analyst)
    before = AuditEvent.objects.count()
    response = client.post(review_url(feedback), {"state": "read", "note": "  Set  "})
    assert response.status_code == 302
    assert response["Location"] == f"{RULES}#flag-{feedback.pk}"
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-pk").first()
    assert event.action == AuditAction.RULE_FEEDBACK_REVIEW
    assert event.object_type == "rule_feedback" and event.object_id == str(feedback.pk)
    assert event.user_id == analyst.pk
    assert event.details["state"] == "read" and event.details["previous_state"] == "new"
    review = RuleFeedbackReview.objects.get(feedback=feedback)
    assert (review.state, review.note, review.reviewed_by) == ("read", "Set", analyst)
    page = client.get(response["Location"]).content.decode()
    assert "Tilbagemeldingen er markeret som læst." in page
    row = re.search(rf'id="flag-{feedback.pk}".*?</tr>', page, re.S).group(0)
    assert '<td class="state">læst' in row


def test_a_later_mark_replaces_the_state(login, analyst, data):
    feedback = data["flags"][0]
    client = login(analyst)
    client.post(review_url(feedback), {"state": "read"})
    response = client.post(
        review_url(feedback), {"state": "acted", "note": "Med i næste model", "filter": "new"}
    )
    assert response["Location"] == f"{RULES}?state=new#flag-{feedback.pk}"
    review = RuleFeedbackReview.objects.get()
    assert (review.state, review.note) == ("acted", "Med i næste model")
    event = AuditEvent.objects.filter(action=AuditAction.RULE_FEEDBACK_REVIEW).order_by("-pk")[0]
    assert event.details["previous_state"] == "read"
    assert AuditEvent.objects.filter(action=AuditAction.RULE_FEEDBACK_REVIEW).count() == 2


def test_marking_another_jobcenters_flag_is_a_404_and_writes_nothing(login, analyst, data):
    before = AuditEvent.objects.count()
    response = login(analyst).post(review_url(data["foreign_flag"]), {"state": "read"})
    assert response.status_code == 404
    assert AuditEvent.objects.count() == before
    assert not RuleFeedbackReview.objects.exists()


def test_a_flag_that_does_not_exist_is_a_404(login, analyst, data):
    url = reverse("cockpit:rule_review", args=[999999])
    assert login(analyst).post(url, {"state": "read"}).status_code == 404


@pytest.mark.parametrize("state", ["", "new", "deleted", "READ"])
def test_a_bad_state_gets_a_clear_message_and_changes_nothing(login, analyst, data, state):
    feedback = data["flags"][0]
    client = login(analyst)
    client.post(review_url(feedback), {"state": "read", "note": "Første"})
    marks = AuditEvent.objects.filter(action=AuditAction.RULE_FEEDBACK_REVIEW)
    before = marks.count()
    response = client.post(review_url(feedback), {"state": state, "note": "Anden"}, follow=True)
    assert "Vælg, om tilbagemeldingen er læst eller handlet på." in response.content.decode()
    assert marks.count() == before
    review = RuleFeedbackReview.objects.get()
    assert (review.state, review.note) == ("read", "Første")


def test_a_too_long_note_is_refused(login, analyst, data):
    feedback = data["flags"][0]
    response = login(analyst).post(
        review_url(feedback), {"state": "read", "note": "x" * 2001}, follow=True
    )
    assert "Noten må højst være på 2000 tegn." in response.content.decode()
    assert not RuleFeedbackReview.objects.exists()


def test_marking_needs_csrf(analyst, data):
    from django.test import Client

    from tests.factories import PASSWORD

    client = Client(enforce_csrf_checks=True)
    client.login(username=analyst.username, password=PASSWORD)
    response = client.post(review_url(data["flags"][0]), {"state": "read"})
    assert response.status_code == 403
    assert not RuleFeedbackReview.objects.exists()


def test_marking_is_post_only(login, analyst, data):
    assert login(analyst).get(review_url(data["flags"][0])).status_code == 405


# -- Queries ----------------------------------------------------------------------------

# session, user, groups; flag counts, page count, flags; active versions, leaf aggregate;
# and the view's own audit event (one statement on PostgreSQL, a few on SQLite).
QUERIES = 13


def test_each_view_of_the_page_is_one_audit_event(login, analyst, data):
    client = login(analyst)
    client.get(RULES, {"state": "new"})
    (event,) = AuditEvent.objects.filter(action=AuditAction.RULE_REVIEW_VIEW)
    assert event.user == analyst and event.details["state"] == "new"


def test_the_page_runs_a_fixed_number_of_queries(
    login, analyst, data, judge, flag, caseworker, colleague, django_assert_max_num_queries
):
    client = login(analyst)
    client.get(RULES)  # warm the tree cache
    with django_assert_max_num_queries(QUERIES):
        assert client.get(RULES).status_code == 200
    for leaf in (LEAF_OTHER, 3, 7, 13, 14):
        for _ in range(5):
            judge(leaf=leaf, caseworker=colleague, agreement=Agreement.DISAGREE)
    for feedback in [flag(user=caseworker) for _ in range(10)][::2]:
        RuleFeedbackReview.objects.create(
            jobcenter_id=feedback.jobcenter_id,
            feedback=feedback,
            state="read",
            note="ok",
            reviewed_by=analyst,
            reviewed_at=feedback.created_at,
        )
    with django_assert_max_num_queries(QUERIES) as captured:
        page = client.get(RULES).content.decode()
    sql = " ".join(query["sql"] for query in captured.captured_queries)
    assert '"casework_rulefeedback"."user_id"' not in sql  # who flagged is never read
    assert '"casework_judgement"."caseworker_id"' not in sql
    assert page.count('<tr id="leaf-') == 8 and page.count('<tr id="flag-') == 12


def test_a_refused_tree_still_shows_the_figures(login, analyst, active_version, data):
    from prediction.models import ModelVersion

    ModelVersion.objects.filter(pk=active_version.pk).update(artifact_sha256="0" * 64)
    page = login(analyst).get(RULES).content.decode()
    assert "kunne ikke indlæses sikkert" in page
    row = cells(leaf_row(page, active_version, LEAF_HIGH))
    assert row[0] == ["Blad", str(LEAF_HIGH), "(reglen", "kan", "ikke", "vises)"]
    assert row[3] == ["8"] and row[5] == ["75,0", "%"]


def test_the_rules_are_in_english_in_english(client, login, analyst, active_version, data):
    from prediction.explanations import tree_rules
    from prediction.selectors import model_compiled

    leaf = next(
        leaf
        for leaf in tree_rules(compiled=model_compiled(version=active_version))
        if leaf.leaf_id == LEAF_HIGH
    )
    login(analyst)
    client.post(reverse("set_language"), {"language": "en", "next": RULES})
    page = client.get(RULES).content.decode()
    assert "Rules under review" in page and "Feedback from caseworkers" in page
    row = html.unescape(leaf_row(page, active_version, LEAF_HIGH))
    for condition in leaf.conditions:
        assert condition.text_en in row
    assert "75.0 %" in row


def test_the_flags_come_in_pages(login, analyst, data, monkeypatch):
    from cockpit import rule_views

    monkeypatch.setattr(rule_views, "FLAGS_PER_PAGE", 1)
    first, second = data["flags"]
    client = login(analyst)
    page_one = client.get(RULES).content.decode()
    page_two = client.get(RULES, {"page": 2}).content.decode()
    assert f'id="flag-{second.pk}"' in page_one and f'id="flag-{first.pk}"' not in page_one
    assert f'id="flag-{first.pk}"' in page_two and 'rel="prev"' in page_two
    assert "Side 2 af 2" in page_two
    response = client.post(review_url(first), {"state": "read", "page": "2"})
    assert response["Location"] == f"{RULES}?page=2#flag-{first.pk}"
    assert client.get(RULES, {"page": "x"}).status_code == 200
