"""THIRD_PARTY_NOTICES for the bundle: every distribution Tandem's runtime pulls in.

    python packaging/third_party_notices.py [--out FILE]   # print or write the notices

Walks the runtime requirements of the installed `tandem` (no extras, markers evaluated
for this machine) through importlib.metadata, and lists each distribution with its
version, licence and home page, followed by the licence files it ships. tandem.spec runs
this in the build environment, so the list is exactly what was bundled. Qt and PySide6
are LGPL-3.0: the note below says how to exercise the LGPL's rights.
"""

from __future__ import annotations

import argparse
import re
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

QT_NOTE = """\
Qt and Qt for Python (PySide6, shiboken6)
------------------------------------------
This bundle contains Qt 6 and PySide6, used under the GNU Lesser General Public License
version 3 (LGPL-3.0). They are unmodified and dynamically linked: the Qt and PySide6
shared libraries sit as separate files in this bundle (PySide6/ and PySide6/Qt/lib/), and
you may replace them with your own builds of the same version. The LGPL-3.0 and GPL-3.0
texts are at https://www.gnu.org/licenses/lgpl-3.0.txt and
https://www.gnu.org/licenses/gpl-3.0.txt; the source code of Qt is at
https://download.qt.io/official_releases/qt/ and that of PySide6 at
https://download.qt.io/official_releases/QtForPython/ (or code.qt.io).
"""
LICENCE_FILE = re.compile(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.IGNORECASE)
MAX_FIELD = 120


def _name(dist: metadata.Distribution) -> str:
    return str(dist.metadata["Name"])


def runtime_distributions(root: str = "tandem") -> list[metadata.Distribution]:
    """`root`'s runtime requirements, transitively (extras left out), without `root`."""
    seen: dict[str, metadata.Distribution] = {}
    pending = [root]
    while pending:
        name = pending.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # an optional requirement not installed here
        seen[key] = dist
        for line in dist.requires or []:
            requirement = Requirement(line)
            if requirement.marker is not None and not requirement.marker.evaluate(
                    {"extra": ""}):
                continue
            pending.append(requirement.name)
    root_key = re.sub(r"[-_.]+", "-", root).lower()
    return sorted((d for k, d in seen.items() if k != root_key), key=lambda d: _name(d).lower())


def licence_of(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return str(expression)
    text = (meta.get("License") or "").strip()
    if text and len(text) <= MAX_FIELD and "\n" not in text:
        return text
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or []
                   if c.startswith("License ::")]
    if classifiers:
        return ", ".join(classifiers)
    return text.splitlines()[0][:MAX_FIELD] if text else "see the licence file below"


def _home(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    if meta.get("Home-page"):
        return str(meta["Home-page"])
    for url in meta.get_all("Project-URL") or []:
        label, _, link = url.partition(",")
        if label.strip().lower() in ("homepage", "home", "source", "repository"):
            return link.strip()
    return ""


def _licence_texts(dist: metadata.Distribution) -> list[tuple[str, str]]:
    texts = []
    for file in dist.files or []:
        if ".dist-info" in str(file) and LICENCE_FILE.search(file.name):
            content = file.read_text(encoding="utf-8") if file.locate().exists() else None
            if content:
                texts.append((file.name, content.strip()))
    return texts


def notices_text(root: str = "tandem") -> str:
    dists = runtime_distributions(root)
    lines = [f"Third-party software in {root}",
             "=" * (len(root) + 24), "",
             f"{root} is licensed under the Apache License 2.0 (LICENSE). It bundles the "
             "following distributions:", ""]
    for dist in dists:
        home = _home(dist)
        lines.append(f"- {_name(dist)} {dist.version}: {licence_of(dist)}"
                     + (f" ({home})" if home else ""))
    lines += ["", QT_NOTE, "Licence files of the distributions", "-" * 34, ""]
    for dist in dists:
        for file_name, content in _licence_texts(dist):
            lines += [f"==== {_name(dist)} {dist.version}: {file_name} ====", content, ""]
    return "\n".join(lines) + "\n"


def write_notices(out: Path, root: str = "tandem") -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(notices_text(root), encoding="utf-8")
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Third-party notices of the bundle.")
    parser.add_argument("--out", type=Path, help="write here instead of printing")
    args = parser.parse_args(argv)
    if args.out:
        print(f"wrote {write_notices(args.out)}")
    else:
        sys.stdout.write(notices_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
