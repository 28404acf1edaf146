from unittest import mock

from django.db.utils import OperationalError


def test_it_answers_without_login(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"]["ok"] is True


def test_it_stays_200_and_names_the_broker_when_the_broker_is_down(client, db, settings):
    # Port 9 (discard) on loopback: nothing listens, so this is a real refused connection.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is False
    assert "unreachable" in body["broker"]["detail"]


def test_it_is_503_when_the_database_is_down(client, db):
    # The database cannot be stopped from inside a test without stopping the test itself,
    # so here alone the cursor is made to fail.
    with mock.patch(
        "jobcenter.health.connection.cursor", side_effect=OperationalError("down")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False, "detail": "unreachable (OperationalError)"}
