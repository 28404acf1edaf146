"""The DPO's filters on PostgreSQL read the log through its indexes, not the whole table.

A filter on one marking (break-the-glass, disagreement, outside the caseload, failed
logins) must walk that marking's own partial index newest first; its condition and the
selector's WHERE clause must stay the same expression, or PostgreSQL cannot prove the
index applies and scans the log instead (315 ms on 10,000,000 events; see
docs/performance.md). The plans are read with EXPLAIN on a log of some thousands of
plain events and a few marked ones."""

import pytest
from django.db import connection

from audit.flags import FLAG_MATCHES, AuditFlag, flag_index_name
from audit.keyset import NEWEST_FIRST
from audit.selectors import AuditFilters, audit_events_for_dpo

EVENTS = 20_000


@pytest.fixture
def large_log(postgresql, dpo):
    """``EVENTS`` events of the DPO's jobcenter (the hashes do not chain: this is about
    reads), one in a hundred marked, then ANALYZE so the planner sees the real sizes."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO audit_auditevent
                (chain, sequence, occurred_at, action, username, role, team, jobcenter_id,
                 object_type, object_id, inputs_hash, reason, flags, details, user_agent,
                 prev_hash, hash)
            SELECT %(jc)s, 1000000 + g, now() - g * interval '1 minute',
                   CASE g %% 400 WHEN 0 THEN 'access.break_glass'
                                 WHEN 1 THEN 'judgement.disagree'
                                 WHEN 2 THEN 'auth.login_failed'
                                 ELSE 'citizen.view' END,
                   'cw', 'caseworker', 'Team A', %(jc)s, '', '', '', '',
                   CASE g %% 400 WHEN 0 THEN '["break_glass", "outside_caseload"]'::jsonb
                                 WHEN 2 THEN '["failed_login"]'::jsonb
                                 WHEN 3 THEN '["outside_caseload"]'::jsonb
                                 ELSE '[]'::jsonb END,
                   '{}'::jsonb, '', repeat('0', 64), repeat('0', 64)
            FROM generate_series(1, %(events)s) AS g
            """,
            {"jc": dpo.jobcenter_id, "events": EVENTS},
        )
        cursor.execute("ANALYZE audit_auditevent")
    return dpo


def plan_of(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def first_page(user, **filters):
    return audit_events_for_dpo(user=user, filters=AuditFilters(**filters)).order_by(
        *NEWEST_FIRST
    )[:51]


@pytest.mark.parametrize("flag", list(FLAG_MATCHES))
def test_a_filter_on_one_marking_walks_its_own_index(large_log, flag):
    plan = plan_of(first_page(large_log, flags=(flag,)))
    assert f"Index Scan Backward using {flag_index_name(flag)}" in plan, plan
    assert "Seq Scan" not in plan, plan
    assert "Sort" not in plan, plan  # the index gives the order: a page stops after 51


def test_a_filter_on_several_markings_combines_their_indexes(large_log):
    plan = plan_of(
        first_page(large_log, flags=(AuditFlag.BREAK_GLASS, AuditFlag.FAILED_LOGIN))
    )
    assert flag_index_name(AuditFlag.BREAK_GLASS) in plan, plan
    assert flag_index_name(AuditFlag.FAILED_LOGIN) in plan, plan
    assert "Seq Scan" not in plan, plan


def test_the_indexed_filter_finds_the_marked_events(large_log):
    """The same query the plans are read from returns what the marking means."""
    glass = list(first_page(large_log, flags=(AuditFlag.BREAK_GLASS,)))
    assert len(glass) == 50 and all(event.action == "access.break_glass" for event in glass)
    outside = audit_events_for_dpo(
        user=large_log, filters=AuditFilters(flags=(AuditFlag.OUTSIDE_CASELOAD,))
    )
    # break-the-glass events (g % 400 == 0) and the ones flagged outside (g % 400 == 3)
    assert outside.count() == 2 * EVENTS // 400
