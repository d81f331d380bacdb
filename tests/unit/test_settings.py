"""Settings: every field documented; the secret key made once and kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossroads.settings import Settings

pytestmark = pytest.mark.unit
DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_settings_every_field_is_documented() -> None:
    text = DOCS.read_text()

    missing = [name for name in Settings.model_fields if f"`CROSSROADS_{name.upper()}`" not in text]

    assert missing == []


def test_settings_every_field_has_a_description() -> None:
    assert [n for n, f in Settings.model_fields.items() if not f.description] == []


def test_settings_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path).resolved_secret_key
    second = Settings(data_dir=tmp_path).resolved_secret_key

    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_settings_database_defaults_to_sqlite_in_data_dir(tmp_path: Path) -> None:
    url = Settings(data_dir=tmp_path).resolved_database_url

    assert url == f"sqlite+aiosqlite:///{tmp_path.resolve()}/crossroads.db"


def test_settings_read_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSROADS_PORT", "9123")
    monkeypatch.setenv("CROSSROADS_DATABASE_URL", "postgresql+asyncpg://u@h/db")

    settings = Settings()

    assert settings.port == 9123
    assert settings.resolved_database_url == "postgresql+asyncpg://u@h/db"
