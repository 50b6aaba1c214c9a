"""The Settings dialog: the token goes to the keyring and never back on screen, the
defaults and the look are applied and saved, the data folder choice, the model cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit

from app import paths
from app.core.settings import load_settings
from app.core.store import hf_auth
from app.ui.theme import theme
from tests.fixtures.memory_keyring import MemoryKeyring, in_memory_keyring

TOKEN = "hf_settingsDialogTest9f3k"


@pytest.fixture
def memory_keyring(monkeypatch) -> Iterator[MemoryKeyring]:
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_TOKEN_PATH", "/nonexistent/tandem-test-token")
    with in_memory_keyring() as memory:
        yield memory


@pytest.fixture
def user_dirs(tmp_path, monkeypatch) -> Path:
    """platformdirs' config and cache folders inside the test's own folder."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def _shown_texts(dialog) -> str:  # type: ignore[no-untyped-def]
    texts = [w.text() for w in dialog.findChildren(QLabel)]
    texts += [w.text() for w in dialog.findChildren(QLineEdit)]
    return "\n".join(texts)


def test_token_goes_to_the_keyring_and_is_never_shown(qtbot, make_window, memory_keyring,
                                                      user_dirs) -> None:
    window = make_window(wait_loaded=False, autoload=False)
    dialog = window.open_settings()
    assert "No token is set" in dialog.token_state.text()
    assert dialog.token.echoMode() is QLineEdit.EchoMode.Password
    dialog.token.setText(TOKEN)
    dialog.save_token()
    assert memory_keyring.get_password(hf_auth.KEYRING_SERVICE, hf_auth.KEYRING_USER) == TOKEN
    assert hf_auth.load_token() == TOKEN
    assert "OS keyring" in dialog.token_state.text()
    assert TOKEN not in _shown_texts(dialog)
    # A second dialog says where the token is, not what it is.
    dialog.reject()
    again = window.open_settings()
    assert TOKEN not in _shown_texts(again) and again.token.text() == ""
    assert again.clear_button.isEnabled()
    again.clear_token()
    assert hf_auth.load_token() is None and "No token is set" in again.token_state.text()
    assert TOKEN not in (paths.settings_file().read_text() if paths.settings_file().exists()
                         else "")


def test_defaults_and_look_are_applied_and_saved(qtbot, make_window, memory_keyring,
                                                  user_dirs) -> None:
    window = make_window(wait_loaded=False, autoload=False)
    dialog = window.open_settings()
    dialog.theme.setCurrentIndex(dialog.theme.findData("dark"))
    dialog.draft_style.setCurrentIndex(dialog.draft_style.findData("both"))
    dialog.k.setValue(5)
    dialog.max_new.setValue(77)
    dialog.sample.setChecked(True)
    dialog.temperature.setValue(0.5)
    dialog.accept()
    try:
        controls = window.chat_tab.controls
        assert controls.k.value() == 5 and controls.max_new.value() == 77
        assert controls.sample.isChecked() and controls.temperature.value() == 0.5
        assert theme.is_dark() and theme.DRAFT_STYLE == "both"
        saved = load_settings().settings
        assert (saved.theme, saved.draft_style) == ("dark", "both")
        assert saved.generation.k == 5 and saved.generation.max_new_tokens == 77
        assert saved.generation.do_sample and saved.generation.temperature == 0.5
    finally:
        theme.set_draft_style("tint")
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        theme.apply(app, "system")


def test_data_folder_choice_is_used_from_the_next_start(qtbot, make_window, memory_keyring,
                                                         user_dirs, monkeypatch) -> None:
    window = make_window(wait_loaded=False, autoload=False)
    dialog = window.open_settings()
    assert dialog.data_path.text() == str(paths.data_dir())
    chosen = user_dirs / "my-tandem-data"
    dialog.choose_data_folder(chosen)
    assert paths.data_dir_choice_file().read_text(encoding="utf-8") == str(chosen)
    assert str(user_dirs / "config") in str(paths.data_dir_choice_file())
    assert dialog.data_note.isVisible() and "next start" in dialog.data_note.text()
    monkeypatch.delenv("TANDEM_HOME")  # as a real start: no test override
    assert paths.data_dir() == chosen
    assert paths.conversations_dir() == chosen / "conversations"


def test_model_cache_setting_reaches_the_spec(qtbot, make_window, memory_keyring,
                                              user_dirs) -> None:
    window = make_window(wait_loaded=False, autoload=False)
    assert window.controls.wanted_spec().cache_dir == paths.model_cache_dir()
    assert str(user_dirs / "cache") in str(paths.model_cache_dir())
    assert window.race_tab.controller.specs()["speculative"].cache_dir == \
        paths.model_cache_dir()
    dialog = window.open_settings()
    assert "Not used on the CPU" in dialog.cache_label.text()
    paths.model_cache_dir().mkdir(parents=True)
    (paths.model_cache_dir() / "blob.cache").write_bytes(b"x" * 2048)
    dialog.clear_cache()
    assert not paths.model_cache_dir().exists() and "0.0 MB" in dialog.cache_label.text()
    dialog.use_cache.setChecked(False)
    dialog.accept()
    assert window.controls.wanted_spec().cache_dir is None
    assert window.race_tab.controller.specs()["plain"].cache_dir is None
    assert load_settings().settings.model_cache is False
