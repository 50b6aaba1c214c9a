"""The one place that knows where files live: source tree, frozen bundle, user dirs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "Tandem"


def bundle_root() -> Path:
    """The folder holding `resources/` and `models.toml`: the source tree or the bundle."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    return Path(__file__).resolve().parent.parent


def resources_dir() -> Path:
    return bundle_root() / "resources"


def demo_dir() -> Path:
    return resources_dir() / "demo"


def catalog_file() -> Path:
    return bundle_root() / "models.toml"


def data_dir() -> Path:
    """User data (models, conversations, settings); TANDEM_HOME overrides, for tests,
    then the folder chosen in the Settings dialog (data_dir_choice_file)."""
    override = os.environ.get("TANDEM_HOME")
    if override:
        return Path(override)
    chosen = chosen_data_dir()
    return chosen or default_data_dir()


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def data_dir_choice_file() -> Path:
    """Where the Settings dialog records another data folder (outside the data folder)."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "data-folder.txt"


def chosen_data_dir() -> Path | None:
    try:
        text = data_dir_choice_file().read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return Path(text) if text else None


def model_cache_dir() -> Path:
    """OpenVINO's compiled-model cache (CACHE_DIR), under the user cache folder."""
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)) / "openvino-cache"


def models_dir() -> Path:
    return data_dir() / "models"


def conversations_dir() -> Path:
    return data_dir() / "conversations"


def settings_file() -> Path:
    return data_dir() / "settings.json"


def log_dir() -> Path:
    """The log files (tandem.log, faults.log): the user log folder, or TANDEM_HOME/logs."""
    override = os.environ.get("TANDEM_HOME")
    if override:
        return Path(override) / "logs"
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
