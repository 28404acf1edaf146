"""The managers' cockpit: who sees it, whether its figures are the data's, what it hides,
and that nothing in it names a caseworker."""

import csv
import datetime
import html as html_lib
import io
import re

import pytest
from django.urls import reverse
from django.utils import translation

from audit.actions import AuditAction
from audit.models import AuditEvent
from casework.models import Estimate, Judgement, Outcome
from cockpit.display import month_label
from cockpit.models import Alert, SummaryCell, SummaryRun
from cockpit.selectors import Filters, cockpit_data_for_user
from cockpit.summaries import summary_run_execute
from cockpit.tables import all_tables
from tests.casework.guards import casework_guards_lifted
from tests.cockpit.conftest import MONTHS
from tests.factories import JobcenterFactory, Role, make_staff

PAGES = [
    ("get", reverse("cockpit:index")),
    ("post", reverse("cockpit:refresh")),
    ("get", reverse("cockpit:chart", args=["judgements"])),
    ("get", reverse("cockpit:table_csv", args=["judgements"])),
    ("get", reverse("cockpit:report_pdf") + "?month=2026-06-01&language=da"),
]


def table_values(html: str, caption: str) -> list[list[str]]:
    """The rows of the table with ``caption`` as the text of each cell."""
    start = html.index(f"<caption>{caption}</caption>")
    end = html.index("</table>", start)
    rows = re.findall(r"<tr>(.*?)</tr>", html[start:end], re.S)
    return [
        [
            html_lib.unescape(re.sub(r"<[^>]+>", "", cell).strip())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


@pytest.mark.parametrize("persona", ["caseworker", "colleague", "dpo", "analyst", "administrator"])
def test_it_is_a_404_for_everyone_but_a_manager(request, persona, jobcenter, client, computed):
    if persona == "administrator":
        user = make_staff("ada", Role.ADMINISTRATOR, jobcenter=jobcenter)
    else:
        user = request.getfixturevalue(persona)
    client.force_login(user)
    runs = SummaryRun.objects.count()
    for method, url in PAGES:
        assert getattr(client, method)(url).status_code == 404, url
    assert SummaryRun.objects.count() == runs


def test_a_manager_of_another_jobcenter_sees_none_of_these_figures(client, computed):
    elsewhere = JobcenterFactory(name="Jobcenter Andetsteds", municipality_code="902")
    client.force_login(make_staff("otto", Role.MANAGER, jobcenter=elsewhere))
    response = client.get(reverse("cockpit:index"))
    assert response.status_code == 200
    assert "Tallene er ikke beregnet endnu" in response.content.decode()
    assert "Team B" not in response.content.decode()


def test_before_the_first_run_it_says_so_and_refresh_computes(
    client, history, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    page = client.get(reverse("cockpit:index")).content.decode()
    assert "Tallene er ikke beregnet endnu" in page
    with django_capture_on_commit_callbacks(execute=True):  # the task runs in-process
        client.post(reverse("cockpit:refresh"))
    page = client.get(reverse("cockpit:index")).content.decode()
    assert "Tallene er beregnet" in page
    run = SummaryRun.objects.get()
    assert run.state == SummaryRun.State.SUCCEEDED and run.requested_by == manager
    assert AuditEvent.objects.filter(action=AuditAction.COCKPIT_REFRESH, user=manager).count() == 1


def test_a_page_waiting_on_a_run_shows_its_progress_and_refreshes_itself(
    client, computed, manager, jobcenter
):
    SummaryRun.objects.create(jobcenter=jobcenter, state=SummaryRun.State.RUNNING, progress=50)
    client.force_login(manager)
    page = client.get(reverse("cockpit:index")).content.decode()
    assert 'http-equiv="refresh"' in page
    assert "50 %" in page and "<progress" in page


# -- The figures are the data's ------------------------------------------------------------


def test_judgements_by_month_and_agreement_equal_the_judgements(
    client, computed, manager, jobcenter
):
    client.force_login(manager)
    html = client.get(reverse("cockpit:index")).content.decode()
    rows = table_values(
        html, "Antal faglige vurderinger, og om sagsbehandleren var enig med estimatet"
    )
    by_label = {row[0]: row[1:] for row in rows[1:]}
    for month in MONTHS:
        judgements = Judgement.objects.filter(
            jobcenter=jobcenter,
            created_at__date__gte=month,
            created_at__date__lt=(month + datetime.timedelta(days=32)).replace(day=1),
        )
        expected = [
            judgements.filter(agreement=a).count() for a in ("agree", "disagree", "not_seen")
        ]
        expected.append(judgements.count())
        with translation.override("da"):
            shown = by_label[month_label(month)]
        for text, count in zip(shown, expected, strict=True):
            # a small count is hidden; a larger one may be hidden alongside it
            assert text == "<5" if 0 < count < 5 else text in (str(count), "<5")
    total = by_label["Alle måneder"]
    assert total[-1] == str(Judgement.objects.filter(jobcenter=jobcenter).count())


def test_realised_share_by_band_equals_the_outcomes(computed, manager):
    data = cockpit_data_for_user(user=manager, filters=Filters())
    table = all_tables(data)["outcome_bands"]
    checked = 0
    for band, (label, values) in zip(("low", "medium", "high"), table.rows, strict=False):
        outcomes = Outcome.objects.filter(spell__estimates__band=band)
        n = outcomes.count()
        still = outcomes.filter(unemployed_12m=True).count()
        if n >= 5 and not values[0].hidden:
            assert values[0].value == n, label
            assert values[1].value == pytest.approx(still / n)
            checked += 1
    assert checked >= 2  # the history has at least two bands large enough to show


def test_who_was_right_equals_a_count_by_hand(computed, manager):
    data = cockpit_data_for_user(user=manager, filters=Filters())
    model_row = all_tables(data)["right"].rows[0][1]
    right = wrong = 0
    for estimate in Estimate.objects.filter(spell__outcome__isnull=False).select_related(
        "spell__outcome"
    ):
        unemployed = estimate.spell.outcome.unemployed_12m
        if estimate.band == "medium":
            continue
        if (estimate.band == "high") == unemployed:
            right += 1
        else:
            wrong += 1
    assert model_row[0].value == right and model_row[1].value == wrong
    assert model_row[4].value == pytest.approx(right / (right + wrong))


def test_the_active_version_s_calibration_and_realised_performance_use_its_estimates(computed):
    performance = computed.reports["performance"]
    n = Outcome.objects.count()
    assert performance["realised"]["n"] == n
    assert (
        performance["estimated"]["n"]
        == Estimate.objects.filter(spell__end_date__isnull=True).count()
    )
    assert (
        sum(row.get("n", 0) for row in computed.reports["calibration"]["rows"] if not row["hidden"])
        <= n
    )


# -- What is hidden, and from whom ---------------------------------------------------------


def test_a_team_with_fewer_than_three_caseworkers_is_never_shown_alone(
    client, computed, manager, history
):
    client.force_login(manager)
    html = client.get(reverse("cockpit:index")).content.decode()
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', html)
    team_names = {name for _, name in options}
    assert "Team Lille" not in team_names
    # Team Lille's one caseworker would be recovered by subtraction from the total, so a
    # team of three joins it in the pool: only Team B is shown on its own.
    assert team_names & {"Team A", "Team B"} == {"Team B"}
    assert not SummaryCell.objects.filter(team=history.teams["small"]).exists()
    # Asking for a pooled team by hand shows the jobcenter's figures, not the team's.
    page = client.get(
        reverse("cockpit:index"), {"team": history.teams["small"].pk}
    ).content.decode()
    assert "Viser hele jobcentret" in page


def test_no_csv_line_lets_a_hidden_cell_be_recovered_by_subtraction(
    client, computed, manager, history
):
    client.force_login(manager)
    for key in ("judgements", "risk_bands", "disagreement_reasons"):
        for team in ("", str(history.teams["b"].pk)):
            body = client.get(
                reverse("cockpit:table_csv", args=[key]), {"team": team}
            ).content.decode("utf-8-sig")
            rows = list(csv.reader(io.StringIO(body), delimiter=";"))[2:]
            for row in rows:
                cells, total = row[1:-1], row[-1]
                hidden = [c for c in cells if c == "<5"]
                if total != "<5" and hidden:
                    # total minus the visible cells is the sum of at least two hidden ones
                    assert len(hidden) >= 2, (key, team, row)
            # the same along each column
            for j in range(1, len(rows[0])):
                column = [r[j] for r in rows]
                if column[-1] != "<5":
                    assert [c for c in column[:-1] if c == "<5"].__len__() != 1, (key, team, j)


def test_small_cells_are_hidden_on_the_page(client, computed, manager):
    client.force_login(manager)
    html = client.get(reverse("cockpit:index"), {"team": ""}).content.decode()
    small = SummaryCell.objects.filter(scope="total", n__gt=0, n__lt=5)
    assert small.exists()
    assert all(cell.hidden for cell in small)
    assert "&lt;5" in html


def test_no_page_csv_or_pdf_names_a_caseworker(client, computed, manager, history):
    client.force_login(manager)
    bodies = [client.get(reverse("cockpit:index")).content.decode()]
    for key in ("judgements", "right", "disagreement_outcome", "activity", "outcome_bands"):
        bodies.append(
            client.get(reverse("cockpit:table_csv", args=[key])).content.decode("utf-8-sig")
        )
    for key in ("judgements", "risk_bands", "outcome_bands"):
        bodies.append(client.get(reverse("cockpit:chart", args=[key])).content.decode())
    for body in bodies:
        for user in history.caseworkers:
            assert user.username not in body
            assert user.get_full_name() not in body
    # nor do the stored figures: the summary has no caseworker at all
    assert "caseworker" not in {f.name for f in SummaryCell._meta.get_fields()}


# -- Alerts ----------------------------------------------------------------------------------


def test_an_alert_is_an_audit_event_the_first_time_only(settings, history, jobcenter):
    settings.COCKPIT_FAIRNESS_GAP = 0.01  # any gap at all raises one
    from casework.models import AssessmentSnapshot

    # Two origins, enough of each for a gap to be measured.
    snapshots = list(
        AssessmentSnapshot.objects.filter(
            corrects__isnull=True, spell__outcome__isnull=False
        ).order_by("id")
    )
    for i, snapshot in enumerate(snapshots):
        values = dict(snapshot.values)
        values["origin"] = {**values["origin"], "value": "non_western" if i % 2 else "danish"}
        AssessmentSnapshot.objects.filter(pk=snapshot.pk).update(values=values)
    for _ in range(2):
        run = summary_run_execute(run_id=SummaryRun.objects.create(jobcenter=jobcenter).pk)
        assert run.state == SummaryRun.State.SUCCEEDED
    alerts = Alert.objects.filter(jobcenter=jobcenter, kind="fairness")
    assert alerts.exists()
    events = AuditEvent.objects.filter(action=AuditAction.COCKPIT_ALERT)
    assert events.count() == alerts.count()
    assert {e.details["key"] for e in events} == set(alerts.values_list("key", flat=True))


# -- Months, files ---------------------------------------------------------------------------


def test_a_run_for_one_month_gives_the_same_cells_as_a_full_run(computed, jobcenter, history):
    def cells():
        return sorted(
            SummaryCell.objects.filter(jobcenter=jobcenter).values_list(
                "measure",
                "scope",
                "team_id",
                "benefit_type",
                "month",
                "category",
                "n",
                "k",
                "hidden",
            ),
            key=str,
        )

    # A judgement made the month after its spell's assessment counts in both months:
    # the month it was made, and (its outcome) the month of the assessment.
    late = next(j for j in history.judgements if j.snapshot.as_of.replace(day=1) == MONTHS[1])
    with casework_guards_lifted():
        Judgement.objects.filter(pk=late.pk).update(
            created_at=late.created_at + datetime.timedelta(days=40)
        )
    assert (
        summary_run_execute(run_id=SummaryRun.objects.create(jobcenter=jobcenter).pk).state
        == "succeeded"
    )
    full = cells()
    run = SummaryRun.objects.create(jobcenter=jobcenter, month=MONTHS[1])
    assert summary_run_execute(run_id=run.pk).state == SummaryRun.State.SUCCEEDED
    assert cells() == full


def test_csv_follows_danish_conventions_in_danish_and_english_ones_in_english(
    client, computed, manager
):
    client.force_login(manager)
    danish = client.get(reverse("cockpit:table_csv", args=["judgements"])).content.decode("utf-8")
    assert danish.startswith("\ufeff") and ";" in danish.splitlines()[1]
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(reverse("cockpit:table_csv", args=["judgements"])).content.decode("utf-8")
    assert english.startswith("\ufeff") and '","' in english.splitlines()[1]
    assert ";" not in english
    assert "All months" in english


def test_an_unknown_table_or_a_bad_filter_is_handled(client, computed, manager):
    client.force_login(manager)
    assert client.get(reverse("cockpit:table_csv", args=["nothing"])).status_code == 404
    page = client.get(reverse("cockpit:index"), {"first": "2026-08-01", "last": "2026-05-01"})
    assert page.status_code == 200
    assert "skal ligge før" in page.content.decode()


@pytest.mark.pdf
def test_the_monthly_report_is_a_one_page_pdf_in_danish_and_english(client, computed, manager):
    client.force_login(manager)
    for language in ("da", "en"):
        response = client.get(
            reverse("cockpit:report_pdf"), {"month": "2026-06-01", "language": language}
        )
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert (
            response.content.count(b"/Type /Page\n") + response.content.count(b"/Type /Page ") <= 2
        )


def test_the_page_reads_a_fixed_number_of_queries(
    client, computed, manager, django_assert_max_num_queries
):
    client.force_login(manager)
    client.get(reverse("cockpit:index"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("cockpit:index")).status_code == 200


def test_the_model_in_force_is_the_live_one_with_the_stop_switch_and_settings(
    client, computed, manager, history
):
    from prediction.registry import scoring_pause_set

    scoring_pause_set(user=manager, paused=True, reason="Gennemgang af modellen")
    client.force_login(manager)
    page = client.get(reverse("cockpit:index")).content.decode()
    assert reverse("prediction:version", args=[history.version.pk]) in page
    assert "Stopkontakten er slået til" in page and "Gennemgang af modellen" in page
    assert reverse("casework:judgement_first") in page
    assert reverse("transparency") in page


def test_the_page_draws_no_chart_itself(client, computed, manager, monkeypatch):
    """The page links to its charts; drawing them is the chart view's work."""
    from cockpit import model_tables, tables

    drawn = []
    monkeypatch.setattr(tables, "bar_chart_svg", lambda **kw: drawn.append(kw) or "<svg/>")
    monkeypatch.setattr(
        model_tables, "calibration_chart_svg", lambda **kw: drawn.append(kw) or "<svg/>"
    )
    client.force_login(manager)
    page = client.get(reverse("cockpit:index")).content.decode()
    assert page.count('src="/cockpit/charts/') >= 3
    assert drawn == []


def test_a_monthly_report_for_a_month_without_figures_says_so(client, computed, manager):
    client.force_login(manager)
    response = client.get(reverse("cockpit:report_pdf"), {"month": "1999-01-01"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("cockpit:index")
    assert "Vælg en måned med tal for at lave månedsrapporten." in response.content.decode()
