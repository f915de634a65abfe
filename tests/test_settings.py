"""Production refuses to start half-configured; the demo defaults need nothing."""

from __future__ import annotations

import os
import subprocess
import sys


def import_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_ENV"}
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import attune.settings as s; print(s.DATABASES['default']['ENGINE'])",
        ],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_without_its_variables_refuses_to_start(tmp_path):
    result = import_settings(DJANGO_ENV="production", ATTUNE_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL" in result.stderr


def test_production_names_only_what_is_missing(tmp_path):
    result = import_settings(
        DJANGO_ENV="production",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="attune.example.org",
        ATTUNE_VAR_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "needs these environment variables: DATABASE_URL" in result.stderr


def test_production_with_postgres_starts(tmp_path):
    result = import_settings(
        DJANGO_ENV="production",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="attune.example.org",
        DATABASE_URL="postgres://attune@db.internal:5432/attune",
        ATTUNE_VAR_DIR=str(tmp_path),
        ATTUNE_NOTES_KEYS="q0Qj4Wq1p0v2ZCq3cQ9Jw5l1xk2vJ8bq7r4tYzT1u0E=",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_the_demo_default_is_sqlite_under_var(tmp_path):
    result = import_settings(ATTUNE_VAR_DIR=str(tmp_path))
    assert result.stdout.strip() == "django.db.backends.sqlite3"
    assert tmp_path.is_dir()


def test_production_refuses_the_demo_note_key(tmp_path):
    result = import_settings(
        DJANGO_ENV="production",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="attune.example.org",
        DATABASE_URL="postgres://attune@db.internal:5432/attune",
        ATTUNE_VAR_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "ATTUNE_NOTES_KEYS" in result.stderr


def _production(tmp_path, *command: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """An ``attune`` command with the production settings of docs/deployment.md."""
    from cryptography.fernet import Fernet

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DATABASE"))},
        **extra,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "k" * 30 + "-production-like-secret-key-0123456789",
        "ALLOWED_HOSTS": "attune.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path}/attune.sqlite3",
        "ATTUNE_VAR_DIR": str(tmp_path),
        "ATTUNE_NOTES_KEYS": Fernet.generate_key().decode(),
    }
    attune = [sys.executable, "-m", "attune"]
    return subprocess.run([*attune, *command], env=env, capture_output=True, text=True, check=False)


def test_check_deploy_with_the_documented_production_settings_is_clean(tmp_path):
    result = _production(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_documented_install_order_works_migrate_before_collectstatic(tmp_path):
    """Before issue 11, ``attune migrate`` crashed: the URLs asked for a hashed static name
    before ``collectstatic`` had written the manifest."""
    migrate = _production(tmp_path, "migrate", "--noinput")
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    # The manifest is what migrate had asked for too early. WhiteNoise's storage writes the same
    # manifest and then compresses every file with gzip and Brotli at its best, 27 s of CPU here
    # (py-spy, 2026-11-29); CI's scripts/deploy_check.sh runs the whole production collectstatic.
    (tmp_path / "manifest_only.py").write_text(
        "from attune.settings import *\n"
        "STORAGES = {**STORAGES, 'staticfiles': {'BACKEND': "
        "'django.contrib.staticfiles.storage.ManifestStaticFilesStorage'}}\n"
    )
    only_manifest = {"DJANGO_SETTINGS_MODULE": "manifest_only", "PYTHONPATH": str(tmp_path)}
    collect = _production(tmp_path, "collectstatic", "--noinput", **only_manifest)
    assert collect.returncode == 0, collect.stderr[-2000:]
    assert (tmp_path / "static" / "staticfiles.json").is_file()


def test_pages_switch_off_browser_features_attune_never_uses(client):
    policy = client.get("/accounts/login/")["Permissions-Policy"]
    assert "camera=()" in policy and "microphone=()" in policy and "geolocation=()" in policy
    assert "publickey-credentials-get=(self)" in policy  # passkeys stay possible
