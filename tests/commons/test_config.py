"""Configuration defaults from the environment (commons.config)."""
from __future__ import annotations

import os
import stat

import pytest

from commons.config import from_environment


def test_development_secret_is_made_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("COMMONS_ENV", raising=False)
    monkeypatch.delenv("FLASK_ENV", raising=False)
    first = from_environment(str(tmp_path / "instance"))["SECRET_KEY"]
    second = from_environment(str(tmp_path / "instance"))["SECRET_KEY"]
    assert first == second and len(first) == 64  # a restart (or another worker) keeps sessions and feed links
    mode = os.stat(tmp_path / "instance" / "secret_key").st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert from_environment(str(tmp_path / "other"))["SECRET_KEY"] != first


def test_secret_from_the_environment_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    assert from_environment(str(tmp_path))["SECRET_KEY"] == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_production_requires_a_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("COMMONS_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        from_environment(str(tmp_path))
