"""Screenshots of the Models tab (empty, pulling, done), with no network.

    python -m app.devtools.models_screenshots --out docs/screenshots

Runs the real window on Qt's offscreen platform with a fresh TANDEM_HOME and HF_HOME. The
catalog is models.toml plus one pre-converted pair that the local test hub
(tests/fixtures/hub_server.py) serves from the demo IR, sent slowly so that a frame
catches the download half-way.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from app.devtools.xvfb import SIZE

EXTRA_PAIR = """
[[pair]]
id = "demo-ov"
name = "Tandem demo pair, pre-converted (local test hub)"
tasks = ["chat"]
default_k = 3
download_gb = 0.008
ram_gb = 0.1

[pair.target]
repo = "tandem-demo/demo-target-ov"
format = "ov"
weights = "fp32"
license = "apache-2.0"

[pair.draft]
repo = "tandem-demo/demo-draft-ov"
format = "ov"
weights = "fp32"
license = "apache-2.0"
"""


def shoot_all(out: Path, home: Path) -> int:
    os.environ.update({"TANDEM_HOME": str(home / "tandem"), "HF_HOME": str(home / "hf"),
                       "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")})
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE"):
        os.environ.pop(name, None)
    from PySide6.QtWidgets import QApplication

    from app import paths
    from app.core.store.events import Progress
    from app.ui.main_window import MainWindow
    from app.ui.theme import theme
    from app.ui.workers.store_jobs import StoreJob
    from tests.fixtures.hub_server import FakeHub

    demo = paths.demo_dir()
    hub = FakeHub(600).start()
    hub.add_repo("tandem-demo/demo-target-ov", demo / "target")
    hub.add_repo("tandem-demo/demo-draft-ov", demo / "draft")
    hub.add_fault("openvino_model.bin", "slow", times=1, seconds=16.0)
    os.environ["HF_ENDPOINT"] = hub.endpoint
    catalog = home / "models.toml"
    catalog.write_text(paths.catalog_file().read_text(encoding="utf-8") + EXTRA_PAIR,
                       encoding="utf-8")
    paths.catalog_file = lambda: catalog

    app = QApplication(sys.argv)
    theme.apply(app)
    window = MainWindow(autoload=False)
    window.resize(*SIZE)
    window.show()
    window.tabs.setCurrentWidget(window.models_tab)
    out.mkdir(parents=True, exist_ok=True)

    def wait_until(condition: object, timeout_s: float = 90.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
            app.processEvents()
            time.sleep(0.02)

    def shoot(name: str) -> None:
        for _ in range(5):
            app.processEvents()
        window.grab().save(str(out / name))
        print("saved", out / name)

    shoot("models-empty.png")
    events: list[Progress] = []
    ended: list[StoreJob] = []
    jobs = window.models_tab.jobs
    jobs.progress.connect(lambda _job, event: events.append(event))
    jobs.finished.connect(lambda job, _result: ended.append(job))
    jobs.failed.connect(lambda job, _error: ended.append(job))
    window.models_tab.controller.pull("demo-ov")
    wait_until(lambda: any(e.stage == "download" and e.side == "target"
                           and (e.fraction or 0) > 0.45 for e in events) or ended)
    time.sleep(0.5)  # two speed samples apart
    shoot("models-pulling.png")
    wait_until(lambda: bool(ended))
    shoot("models-done.png")
    window.models_tab.shutdown()
    window.generation.shutdown()
    window.race_tab.shutdown()
    hub.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as home:
        return shoot_all(args.out.resolve(), Path(home))


if __name__ == "__main__":
    raise SystemExit(main())
