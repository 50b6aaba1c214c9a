"""Smoke-test Tandem's Windows installer in a fresh Wine prefix, on a virtual display.

    python packaging/build_windows.py --smoke-only dist/windows/Tandem-0.1.0-setup.exe

Steps, each a pass or a failure with its reason:
1. `setup.exe /S` installs silently (per user): both executables, the uninstaller, the
   Start-menu entry, the Apps entry (HKCU), the VC++ runtime DLLs, licences, demo pair;
2. the installed `tandem.exe --self-test` passes (demo pair: greedy speculative decoding
   gives the target's plain greedy answer token for token);
3. `tandemw.exe` opens its window; the time from launch to the window is measured and a
   screenshot is saved (dist/windows/window.png);
4. `tandem.exe serve` answers /health and a chat completion over HTTP on 127.0.0.1;
5. `Uninstall.exe /S` removes every installed file, the Start-menu entry and the keys.
The figures go to stdout and dist/windows/smoke.json. The prefix is deleted afterwards.
Only Wine's own gaps are patched, in the prefix, never in the installer (the ICU stub).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from build_windows import DIST, folder_size, prepare_prefix, run, wine_env, winpath

UNINSTALL_KEY = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\Tandem"
RUNTIME_DLLS = ("msvcp140.dll", "vcruntime140.dll", "vcruntime140_1.dll",
                "msvcp140_codecvt_ids.dll")
WINDOW_TITLE = "Tandem"
WINDOW_TIMEOUT_S = 300


class SmokeFailure(Exception):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(what: str, check: Callable[[], bool], timeout: float, every: float = 0.5) -> float:
    """Seconds until `check()` is true; SmokeFailure after `timeout`."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise SmokeFailure(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)
    return time.monotonic() - started


class Display:
    """Xvfb on a free display number, for as long as the smoke test runs."""

    def __init__(self) -> None:
        self.number = next(n for n in range(90, 200)
                           if not Path(f"/tmp/.X11-unix/X{n}").exists()
                           and not Path(f"/tmp/.X{n}-lock").exists())
        self.name = f":{self.number}"
        self.process = subprocess.Popen(["Xvfb", self.name, "-screen", "0", "1440x900x24",
                                         "-nolisten", "tcp"], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        wait_for("Xvfb", lambda: Path(f"/tmp/.X11-unix/X{self.number}").exists(), 30, 0.1)

    def windows(self) -> str:
        done = subprocess.run(["xwininfo", "-root", "-tree", "-display", self.name],
                              capture_output=True, text=True, check=False)
        return done.stdout

    def screenshot(self, out: Path) -> None:
        subprocess.run(["import", "-display", self.name, "-window", "root", str(out)],
                       check=True, timeout=60)

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


class Smoke:
    def __init__(self, installer: Path, cache: Path) -> None:
        self.installer = installer.resolve()
        self.cache = cache
        self.prefix = cache / f"prefix-smoke-{os.getpid()}"
        self.home = Path(tempfile.mkdtemp(prefix="tandem-win-home-"))
        self.figures: dict[str, object] = {
            "installer": self.installer.name,
            "installer_mib": round(self.installer.stat().st_size / 2**20, 1)}
        self.display = Display()

    def env(self, **extra: str) -> dict[str, str]:
        return wine_env(self.prefix, DISPLAY=self.display.name,
                        TANDEM_HOME=winpath(self.home), **extra)

    def user_dir(self) -> Path:
        return next(p for p in (self.prefix / "drive_c" / "users").iterdir()
                    if (p / "AppData").is_dir() and p.name != "Public")

    @property
    def install_dir(self) -> Path:
        return self.user_dir() / "AppData" / "Local" / "Programs" / "Tandem"

    @property
    def shortcut(self) -> Path:
        return (self.user_dir() / "AppData" / "Roaming" / "Microsoft" / "Windows"
                / "Start Menu" / "Programs" / "Tandem" / "Tandem.lnk")

    def registered(self) -> bool:
        done = run(["wine", "reg", "query", UNINSTALL_KEY], env=self.env(), check=False)
        return done.returncode == 0 and "DisplayVersion" in done.stdout

    def step(self, name: str, action: Callable[[], str]) -> None:
        started = time.monotonic()
        detail = action()
        seconds = time.monotonic() - started
        print(f"smoke: {name}: passed in {seconds:.1f} s" + (f" ({detail})" if detail else ""),
              flush=True)
        self.figures[f"{name}_s"] = round(seconds, 1)

    def install(self) -> str:
        prepare_prefix(self.prefix, self.cache)
        run(["wine", self.installer, "/S"], env=self.env(), timeout=1200)
        run(["wineserver", "-w"], env=self.env(), timeout=600)
        internal = self.install_dir / "_internal"
        wanted = [self.install_dir / n for n in ("tandem.exe", "tandemw.exe", "Uninstall.exe")]
        wanted += [internal / "LICENSE", internal / "THIRD_PARTY_NOTICES.txt",
                   internal / "resources" / "demo" / "expected.json", self.shortcut]
        missing = [str(p.relative_to(self.prefix)) for p in wanted if not p.exists()]
        present = {p.name.lower() for p in internal.rglob("*.dll")}
        missing += [dll for dll in RUNTIME_DLLS if dll not in present]
        if missing:
            raise SmokeFailure("setup.exe /S left out: " + ", ".join(missing))
        if not self.registered():
            raise SmokeFailure(f"setup.exe /S did not register {UNINSTALL_KEY}")
        self.figures["installed_mib"] = round(folder_size(self.install_dir) / 2**20, 1)
        return f"{self.figures['installed_mib']} MiB installed"

    def self_test(self) -> str:
        done = run(["wine", self.install_dir / "tandem.exe", "--self-test"], env=self.env(),
                   timeout=900, check=False)
        print(done.stdout.rstrip())
        if done.returncode != 0 or "self-test passed" not in done.stdout:
            raise SmokeFailure(f"the installed self-test failed (exit {done.returncode})")
        return ""

    def window(self) -> str:
        started = time.monotonic()
        app = subprocess.Popen(["wine", str(self.install_dir / "tandemw.exe")],
                               env=self.env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        try:
            wait_for("the window", lambda: f'"{WINDOW_TITLE}' in self.display.windows(),
                     WINDOW_TIMEOUT_S)
            self.figures["launch_to_window_s"] = round(time.monotonic() - started, 1)
            time.sleep(5)  # let the first answer-free paint and the pair load settle
            shot = DIST / "window.png"
            self.display.screenshot(shot)
            self.figures["screenshot"] = str(shot.relative_to(DIST.parent.parent))
        finally:
            app.terminate()
            run(["wineserver", "-k"], env=self.env(), check=False)
            app.wait(timeout=60)
        return f"window after {self.figures['launch_to_window_s']} s"

    def serve(self) -> str:
        port = free_port()
        server = subprocess.Popen(["wine", str(self.install_dir / "tandem.exe"), "serve",
                                   "--port", str(port)], env=self.env(),
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"

        def healthy() -> bool:
            if server.poll() is not None:
                raise SmokeFailure(f"tandem serve exited {server.returncode}")
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2) as answer:
                    return bool(answer.status == 200)
            except OSError:
                return False

        try:
            wait_for("tandem serve's /health", healthy, 300)
            body = json.dumps({"messages": [{"role": "user", "content": "Hello"}],
                               "max_tokens": 16, "temperature": 0}).encode()
            request = urllib.request.Request(f"{base}/v1/chat/completions", data=body,
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=120) as answer:
                reply = json.loads(answer.read())
            text = reply["choices"][0]["message"]["content"]
            if not text.strip():
                raise SmokeFailure("tandem serve answered with no text")
        finally:
            server.terminate()
            run(["wineserver", "-k"], env=self.env(), check=False)
            server.wait(timeout=60)
        return f"answered {len(text)} characters"

    def uninstall(self) -> str:
        run(["wine", self.install_dir / "Uninstall.exe", "/S"], env=self.env(), timeout=600)
        run(["wineserver", "-w"], env=self.env(), timeout=600)
        # The uninstaller copies itself to %TEMP% and runs from there: wait for it.
        wait_for("the uninstaller", lambda: not self.install_dir.exists(), 120)
        left = [str(p.relative_to(self.prefix)) for p in (self.install_dir, self.shortcut)
                if p.exists()]
        if left or self.registered():
            raise SmokeFailure("Uninstall.exe /S left: " + ", ".join(left or [UNINSTALL_KEY]))
        return ""

    def close(self) -> None:
        run(["wineserver", "-k"], env=self.env(), check=False)
        self.display.close()
        shutil.rmtree(self.prefix, ignore_errors=True)
        shutil.rmtree(self.home, ignore_errors=True)


def smoke(installer: Path, cache: Path) -> int:
    """Run every step; 0 when all passed."""
    test = Smoke(installer, cache)
    try:
        for name, action in (("install", test.install), ("self_test", test.self_test),
                             ("window", test.window), ("serve", test.serve),
                             ("uninstall", test.uninstall)):
            test.step(name, action)
    except SmokeFailure as failure:
        print(f"smoke: FAILED: {failure}", flush=True)
        return 1
    finally:
        test.close()
        (DIST / "smoke.json").write_text(json.dumps(test.figures, indent=2) + "\n")
        print("smoke: " + json.dumps(test.figures), flush=True)
    print("smoke: every step passed", flush=True)
    return 0
