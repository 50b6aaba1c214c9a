"""What the demo pair is built from, as one digest, so CI rebuilds it only when that changes.

The rebuild takes about ten minutes on one thread. It is deterministic: the same sources,
library versions and CPU vector unit train the same floats. `build-info.json` records the
digest of the sources and library versions from the last rebuild that passed the rebuild
test, with the CPU it ran on and what it could check there (the exact answers on the
committed build's vector unit, structure and acceptance on another). The rebuild test
runs when the checkout's digest differs (or when TANDEM_REBUILD_DEMO=1 forces it) and
says why it skipped otherwise. The test itself writes the record file it passed with;
copy its `inputs_check` into resources/demo/build-info.json to record it:

    python -m app.devtools.demo_inputs            # print the digest of this checkout
"""

from __future__ import annotations

import argparse
import hashlib
import json
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
# The sources whose code decides the demo pair's bytes.
INPUT_FILES = (
    "app/devtools/build_demo_pair.py",
    "app/devtools/demo_corpus.py",
    "app/devtools/demo_expected.py",
    "app/core/store/convert_export.py",
)
# The libraries that train, export and run it.
INPUT_PACKAGES = ("torch", "transformers", "tokenizers", "optimum-intel", "nncf", "openvino",
                  "openvino-genai", "openvino-tokenizers")
FORCE_ENV = "TANDEM_REBUILD_DEMO"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def inputs(root: Path = ROOT) -> dict[str, str]:
    described = {name: hashlib.sha256((root / name).read_bytes()).hexdigest()
                 for name in INPUT_FILES}
    described.update({f"pkg:{name}": _version(name) for name in INPUT_PACKAGES})
    return described


def inputs_digest(root: Path = ROOT) -> str:
    text = json.dumps(inputs(root), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description="Digest of the demo pair's build inputs.").parse_args(argv)
    print(json.dumps({"inputs_digest": inputs_digest(), "inputs": inputs()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
