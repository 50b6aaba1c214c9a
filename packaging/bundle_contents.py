"""What goes into the frozen bundle and what stays out (used by tandem.spec and the tests)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path, PurePath

# Never bundled: the conversion stack (subprocess-only, needs a source install), test and
# notebook tooling, and the Qt modules Tandem does not use. pyqtgraph needs QtOpenGL and
# QtOpenGLWidgets (imported by computed names) and imports QtSvg and QtTest optionally.
EXCLUDED_MODULES = [
    "torch", "torchvision", "transformers", "optimum", "nncf", "tokenizers", "onnx",
    "tensorflow", "keras", "jax", "paddle", "sympy", "scipy", "pandas", "matplotlib",
    "IPython", "jupyter", "notebook", "pytest", "hypothesis", "tkinter", "_tkinter",
    "app.devtools",
    # The `hf` and `httpx` command lines and what only they use.
    # (pygments stays: the chat highlights code with it.)
    "huggingface_hub.cli", "httpx._main", "typer", "rich", "shellingham",
    "openvino.tools", "openvino.frontend.pytorch", "openvino.frontend.tensorflow",
    "openvino.frontend.onnx", "openvino.frontend.paddle", "openvino.frontend.jax",
    "openvino_tokenizers.cli_tools", "openvino_tokenizers.hf_parser",
    "PySide6.QtNetwork", "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuickWidgets",
    "PySide6.QtQuickControls2", "PySide6.QtQuickTest", "PySide6.QtTest", "PySide6.QtSql",
    "PySide6.QtXml",
    "PySide6.QtDesigner", "PySide6.QtUiTools", "PySide6.QtHelp", "PySide6.QtPrintSupport",
    "PySide6.QtConcurrent", "PySide6.QtDBus", "PySide6.QtStateMachine",
    "PySide6.QtSvgWidgets", "PySide6.QtPdf", "PySide6.QtPdfWidgets", "PySide6.QtWebSockets",
    "PySide6.QtNetworkAuth", "PySide6.QtRemoteObjects", "PySide6.QtScxml",
    "PySide6.QtSerialPort", "PySide6.QtSerialBus", "PySide6.QtBluetooth",
    "PySide6.QtNfc", "PySide6.QtPositioning", "PySide6.QtLocation", "PySide6.QtSensors",
    "PySide6.QtMultimedia", "PySide6.QtMultimediaWidgets", "PySide6.QtSpatialAudio",
    "PySide6.QtTextToSpeech", "PySide6.QtWebChannel", "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets", "PySide6.QtCharts", "PySide6.QtDataVisualization",
    "PySide6.QtGraphs", "PySide6.Qt3DCore", "PySide6.QtAxContainer",
]

# Shared libraries and data files dropped after analysis, matched on their path inside the
# bundle. OpenVINO loads model frontends on demand; Tandem only reads IR, so the others go.
# The Qt hooks pull QML/Quick, translations and design-time plugins that a widgets app
# never loads.
_UNUSED = [
    r"libopenvino_(onnx|paddle|pytorch|tensorflow|tensorflow_lite|jax|gguf)_frontend",
    r"openvino_(onnx|paddle|pytorch|tensorflow|tensorflow_lite|jax|gguf)_frontend",
    r"Qt6?(Quick|Qml|Designer|Pdf|VirtualKeyboard|LabsStyleKit|WaylandCompositor|ShaderTools"
    r"|Test|Sql|Network|Concurrent|Help|UiTools|StateMachine|Charts)",
    r"(^|/)Qt/(qml|translations|metatypes|libexec)/",
    r"(^|/)plugins/(designer|qmltooling|sqldrivers|networkinformation|tls|qmllint"
    r"|wayland-graphics-integration-server|egldeviceintegrations|printsupport)/",
    r"(^|/)openvino/include/",
    r"\.pyi$",  # type stubs, for editors only
    # The GPU plugin's kernel tuning table, almost all convolutions (CNNs): without it the
    # plugin starts with an empty table and picks kernels by its heuristics.
    r"(^|/)openvino/libs/cache\.json$",
    # Platforms for framebuffers and embedded boards, not desktops (xcb, wayland,
    # offscreen and minimal stay), and the input plugins only they use.
    r"(^|/)plugins/platforms/libq(eglfs|linuxfb|minimalegl|vkkhrdisplay|vnc)\.",
    r"(^|/)plugins/generic/",
    r"libQt6EglF[sS](DeviceIntegration|KmsSupport)",
    # The GTK platform theme would load the system's GTK against bundled copies of its
    # stack (cairo, pango, ...): fragile, and Qt's own style needs none of it.
    # (Checked with readelf: once it is gone, nothing left in the bundle needs these.)
    r"(^|/)plugins/platformthemes/libqgtk3\.",
    r"^lib(atk-1\.0|cairo|cairo-gobject|pango-1\.0|pangocairo-1\.0|pangoft2-1\.0"
    r"|gdk_pixbuf-2\.0|fribidi|thai|datrie|pixman-1|graphite2|harfbuzz|gio-2\.0"
    r"|gobject-2\.0|gmodule-2\.0|mount|blkid|selinux|jpeg|Xext|Xrender)\.so",
    # Kerberos, needed only by the Qt network modules that are left out.
    r"^lib(gssapi_krb5|krb5|k5crypto|krb5support|com_err|keyutils)\.so",
]
_UNUSED_RE = re.compile("|".join(_UNUSED))


def is_unused_binary(bundle_path: str) -> bool:
    return _UNUSED_RE.search(PurePath(bundle_path).as_posix()) is not None


# The demo pair's Hugging Face checkpoints exist for conversion tests only.
_RESOURCE_SKIP = {PurePath("demo/hf"), PurePath("__pycache__")}


def resource_datas(root: Path) -> list[tuple[str, str]]:
    """(source, folder in bundle) pairs for models.toml and everything under resources/."""
    datas: list[tuple[str, str]] = []
    catalog = root / "models.toml"
    if catalog.exists():
        datas.append((str(catalog), "."))
    resources = root / "resources"
    for path in sorted(resources.rglob("*")):
        rel = path.relative_to(resources)
        if not path.is_file() or any(rel.is_relative_to(skip) for skip in _RESOURCE_SKIP):
            continue
        if path.suffix in {".pyc", ".py"}:
            continue
        datas.append((str(path), str(PurePath("resources") / rel.parent)))
    return datas


# Stripping every library breaks the auditwheel-patched ones (numpy's OpenBLAS: "ELF load
# command address/offset not page-aligned"), so only the Python interpreter's own
# libraries, which can carry ~25 MB of debug info, lose it.
_STRIP_DEBUG_RE = re.compile(r"^(libpython3[.\d]*\.so|python3[.\d]*/lib-dynload/)")


def strip_debug_info(binaries: list[tuple[str, str, str]],
                     workdir: Path) -> list[tuple[str, str, str]]:
    """TOC entries (name, source, kind) with debug info removed where that is known safe."""
    strip = shutil.which("strip")
    if strip is None:
        return binaries
    result = []
    for name, source, kind in binaries:
        if _STRIP_DEBUG_RE.match(PurePath(name).as_posix()):
            copy = workdir / "stripped" / name
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy)
            subprocess.run([strip, "--strip-debug", str(copy)], check=True)
            source = str(copy)
        result.append((name, source, kind))
    return result
