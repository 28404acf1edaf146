"""DJANGO_ENV=production refuses to start on the development defaults."""

import base64
import os
import subprocess
import sys

from cryptography.fernet import Fernet

GOOD = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "x" * 50,
    "CPR_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "CPR_HASH_KEY": "y" * 64,
    "TRAINING_RECORD_ID_KEY": "t" * 64,
    "AUDIT_CHECKPOINT_SIGNING_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    "ALLOWED_HOSTS": "jobcenter.example.dk",
    "DEBUG": "false",
}


def _start(env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in GOOD}
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "jobcenter.settings.base"
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_starts_with_real_secrets():
    result = _start(GOOD)
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_it_refuses_every_default():
    result = _start({"DJANGO_ENV": "production"})
    assert result.returncode != 0
    for problem in ("SECRET_KEY", "CPR_ENCRYPTION_KEYS", "CPR_HASH_KEY", "ALLOWED_HOSTS"):
        assert problem in result.stderr


def test_it_refuses_a_wildcard_host():
    result = _start({**GOOD, "ALLOWED_HOSTS": "jobcenter.example.dk,*"})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS accepts any host" in result.stderr


def test_it_refuses_debug_on():
    result = _start({**GOOD, "DEBUG": "true"})
    assert result.returncode != 0
    assert "DEBUG is on" in result.stderr


def test_secrets_may_come_from_files(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("z" * 50 + "\n")
    result = _start(
        {**{k: v for k, v in GOOD.items() if k != "SECRET_KEY"}, "SECRET_KEY_FILE": str(secret)}
    )
    assert result.returncode == 0, result.stderr


def test_a_mistyped_boolean_names_the_variable():
    result = _start({**GOOD, "DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG: expected true/false" in result.stderr


def test_check_deploy_reports_nothing_under_production_settings():
    """`manage.py check --deploy` with production settings: no warning, no error."""
    import secrets
    from pathlib import Path

    # (The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright in this process;
    # a deployment never has it.)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in GOOD and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update({**GOOD, "SECRET_KEY": secrets.token_urlsafe(50)})
    env["DJANGO_SETTINGS_MODULE"] = "jobcenter.settings.base"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_two_factors_cannot_be_turned_off_in_production():
    result = _start({**GOOD, "TWO_FACTOR_REQUIRED": "false"})
    assert result.returncode != 0
    assert "TWO_FACTOR_REQUIRED" in result.stderr


def test_it_refuses_the_development_training_pseudonym_key():
    env = {k: v for k, v in GOOD.items() if k != "TRAINING_RECORD_ID_KEY"}
    result = _start(env)
    assert result.returncode != 0
    assert "TRAINING_RECORD_ID_KEY" in result.stderr


def test_it_refuses_the_development_checkpoint_signing_key():
    env = {k: v for k, v in GOOD.items() if k != "AUDIT_CHECKPOINT_SIGNING_KEY"}
    result = _start(env)
    assert result.returncode != 0
    assert "AUDIT_CHECKPOINT_SIGNING_KEY" in result.stderr
