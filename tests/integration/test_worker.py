"""A task goes through Redis to a real worker process, runs against the test database
on PostgreSQL, and its result comes back through the result backend."""


def test_a_task_runs_in_a_real_worker_against_the_same_database(celery_worker_process):
    from django.db import connection

    client, queue = celery_worker_process
    result = client.send_task(
        "jobcenter.tasks.heartbeat_task", kwargs={"note": "integration"}, queue=queue
    )
    answer = result.get(timeout=60)
    assert answer["ok"] is True
    assert answer["note"] == "integration"
    assert answer["database"] == "postgresql"
    assert answer["database_name"] == connection.settings_dict["NAME"]
