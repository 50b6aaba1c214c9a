"""Install a built bundle for the current Linux user: app folder, command, menu entry, icons.

    python packaging/install_linux.py                 # from dist/tandem, into ~/.local
    python packaging/install_linux.py --uninstall
    python packaging/install_linux.py --bundle DIR --prefix PREFIX

Layout under PREFIX (default ~/.local, which desktops already search):
    opt/tandem/                              the onedir bundle
    bin/tandem                               a symlink to opt/tandem/tandem
    share/applications/tandem.desktop        Exec= points at the installed executable
    share/icons/hicolor/<N>x<N>/apps/tandem.png
Only the standard library is used here.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def installed_paths(prefix: Path) -> dict[str, Path]:
    return {
        "app": prefix / "opt" / "tandem",
        "command": prefix / "bin" / "tandem",
        "desktop": prefix / "share" / "applications" / "tandem.desktop",
        "icons": prefix / "share" / "icons" / "hicolor",
    }


def desktop_entry(exe: Path) -> str:
    lines = (HERE / "tandem.desktop").read_text(encoding="utf-8").splitlines()
    # An absolute Exec works even when PREFIX/bin is not on the desktop session's PATH.
    return "\n".join(f"Exec={exe}" if line.startswith("Exec=") else line
                     for line in lines) + "\n"


def install(bundle: Path, prefix: Path) -> Path:
    if not (bundle / "tandem").is_file():
        raise SystemExit(f"{bundle} holds no tandem executable: run packaging/build.py first")
    where = installed_paths(prefix)
    if where["app"].exists():
        shutil.rmtree(where["app"])
    shutil.copytree(bundle, where["app"], symlinks=True)
    exe = where["app"] / "tandem"
    where["command"].parent.mkdir(parents=True, exist_ok=True)
    where["command"].unlink(missing_ok=True)
    where["command"].symlink_to(exe)
    where["desktop"].parent.mkdir(parents=True, exist_ok=True)
    where["desktop"].write_text(desktop_entry(exe), encoding="utf-8")
    for size in ICON_SIZES:
        source = ROOT / "resources" / "icons" / f"tandem-{size}.png"
        target = where["icons"] / f"{size}x{size}" / "apps" / "tandem.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return exe


def uninstall(prefix: Path) -> None:
    where = installed_paths(prefix)
    shutil.rmtree(where["app"], ignore_errors=True)
    where["command"].unlink(missing_ok=True)
    where["desktop"].unlink(missing_ok=True)
    for size in ICON_SIZES:
        (where["icons"] / f"{size}x{size}" / "apps" / "tandem.png").unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Install Tandem for the current user.")
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "tandem")
    parser.add_argument("--prefix", type=Path, default=Path.home() / ".local")
    parser.add_argument("--uninstall", action="store_true")
    args = parser.parse_args(argv)
    if args.uninstall:
        uninstall(args.prefix)
        print(f"removed Tandem from {args.prefix}")
        return 0
    exe = install(args.bundle, args.prefix)
    print(f"installed {exe}; Tandem is in the applications menu "
          f"(log out and in if it does not show yet)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
