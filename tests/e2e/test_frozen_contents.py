"""What the spec puts in the bundle and how the smoke runner judges stderr (no build)."""

from __future__ import annotations

import re

from tests.conftest import ROOT
from tests.e2e.test_frozen_bundle import load_packaging_module

contents = load_packaging_module("bundle_contents")
smoke = load_packaging_module("smoke")


def test_resources_go_in_without_the_hugging_face_checkpoints():
    datas = contents.resource_datas(ROOT)
    destinations = {dest for _, dest in datas}
    sources = [src for src, _ in datas]
    assert not [s for s in sources if "/demo/hf/" in s.replace("\\", "/")]
    assert "resources/demo/target" in destinations
    assert "resources/demo/draft" in destinations
    assert "resources/icons" in destinations
    assert any(src.endswith("expected.json") for src in sources)
    if (ROOT / "models.toml").exists():
        assert (str(ROOT / "models.toml"), ".") in datas


def test_only_unused_binaries_are_dropped():
    dropped = [
        "openvino/libs/libopenvino_pytorch_frontend.so.2641",
        "openvino/libs/openvino_onnx_frontend.dll",
        "PySide6/Qt/lib/libQt6Quick.so.6",
        "PySide6/Qt/qml/QtQuick/Controls/x.qml",
        "PySide6/Qt/plugins/platforms/libqeglfs.so",
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
        "libcairo.so.2",
        "libgio-2.0.so.0",
        "openvino/libs/cache.json",
        "openvino_genai/py_openvino_genai.pyi",
    ]
    kept = [
        "openvino/libs/libopenvino_ir_frontend.so.2641",
        "openvino/libs/libopenvino_intel_cpu_plugin.so",
        "openvino/libs/libopenvino_intel_gpu_plugin.so",
        "openvino/libs/libopenvino_intel_npu_plugin.so",
        "openvino_tokenizers/lib/libopenvino_tokenizers.so",
        "PySide6/Qt/lib/libQt6Widgets.so.6",
        "PySide6/Qt/lib/libQt6OpenGL.so.6",  # pyqtgraph's curves import QtOpenGL
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt/plugins/platforms/qwindows.dll",
        "libfreetype.so.6",
        "libglib-2.0.so.0",
        "libxcb-cursor.so.0",
        "PySide6/Qt/lib/libQt6OpenGLWidgets.so.6",
    ]
    assert [p for p in dropped if not contents.is_unused_binary(p)] == []
    assert [p for p in kept if contents.is_unused_binary(p)] == []


def test_conversion_stack_is_excluded():
    for module in ("torch", "transformers", "optimum", "nncf"):
        assert module in contents.EXCLUDED_MODULES
    for needed in ("PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtOpenGL",
                   "PySide6.QtOpenGLWidgets"):
        assert needed not in contents.EXCLUDED_MODULES


def test_stderr_allow_list_is_exact():
    harmless = "This plugin does not support propagateSizeHints()"
    assert smoke.unexpected_lines(harmless + "\n\n") == []
    assert smoke.unexpected_lines(f"{harmless}\nFailed to find plugins.xml\n") == [
        "Failed to find plugins.xml"]
    assert smoke.unexpected_lines(f"Warning: {harmless}") == [f"Warning: {harmless}"]


def test_linux_install_lays_out_menu_entry_icons_and_command(tmp_path):
    installer = load_packaging_module("install_linux")
    bundle = tmp_path / "bundle"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "tandem").write_text("#!/bin/sh\n", encoding="utf-8")
    prefix = tmp_path / "prefix"
    exe = installer.install(bundle, prefix)
    where = installer.installed_paths(prefix)
    assert exe == where["app"] / "tandem" and exe.is_file()
    assert where["command"].resolve() == exe.resolve()
    entry = where["desktop"].read_text(encoding="utf-8")
    assert f"Exec={exe}\n" in entry
    assert "Icon=tandem\n" in entry and "[Desktop Entry]" in entry
    assert (where["icons"] / "256x256" / "apps" / "tandem.png").is_file()
    installer.uninstall(prefix)
    assert not where["app"].exists() and not where["desktop"].exists()
    assert not where["command"].is_symlink()


def test_the_spec_bundles_the_licence_and_the_third_party_notices():
    spec = (ROOT / "packaging" / "tandem.spec").read_text(encoding="utf-8")
    assert "write_notices(" in spec
    assert '(str(ROOT / "LICENSE"), ".")' in spec and '(str(notices), ".")' in spec
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").lstrip().startswith(
        "Apache License\n                           Version 2.0")


def test_third_party_notices_list_the_runtime_distributions_with_licences():
    notices = load_packaging_module("third_party_notices")
    names = {d.metadata["Name"].lower().replace("_", "-")
             for d in notices.runtime_distributions("tandem")}
    assert {"openvino-genai", "pyside6-essentials", "shiboken6", "pyqtgraph"} <= names
    assert "torch" not in names and "pytest" not in names  # extras are not bundled
    text = notices.notices_text("tandem")
    from importlib.metadata import version

    assert re.search(rf"- PySide6[-_]Essentials {version('PySide6-Essentials')}: LGPL-3.0", text)
    assert f"- numpy {version('numpy')}: " in text
    assert "GNU Lesser General Public License" in text
    assert "==== numpy" in text  # licence files follow the list


def test_pyproject_declares_the_licence_in_the_pep_639_form():
    import tomllib

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["license"] == "Apache-2.0"  # not the deprecated {text=...}
    assert pyproject["project"]["license-files"] == ["LICENSE"]
    assert "setuptools>=77" in pyproject["build-system"]["requires"][0]
