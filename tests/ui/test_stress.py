"""A short run of the stress tool (app/devtools/stress.py): 30 random actions on the real
window and the demo pair (switch pair, device and mode; send, stop, regenerate; race;
Models tab; close and reopen), in a child process under the tool's watchdog. Any crash,
any hang over 5 s, and any GUI-thread work over 100 ms of CPU in one event-loop turn or
action fails it. Wall-clock stalls are held to 250 ms here, not the tool's 100 ms: on a
shared 2-core CI machine another process holding the cores makes every thread wait for
the GIL's holder to be scheduled (seen: 120-320 ms at a load average of 4.6, with the
GUI thread's own CPU under 35 ms). The documented 300-action run applies 100 ms, and its
figures go in the notes. The figures are printed."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
@pytest.mark.parametrize("seed", [7])
def test_thirty_random_actions_never_crash_hang_or_stall(seed: int) -> None:
    out = subprocess.run([sys.executable, "-m", "app.devtools.stress", "--actions", "30",
                          "--seed", str(seed), "--json", "--stall-ms", "250"], cwd=ROOT,
                         capture_output=True,
                         text=True, timeout=600)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"\nstress seed {seed}: {report['actions']} actions, {report['crashes']} crashes, "
          f"{report['hangs']} hangs, longest stall {report['longest_stall_ms']} ms "
          f"({report['longest_stall_action']}), longest call {report['longest_call_ms']} ms")
    assert report["crashes"] == 0 and report["hangs"] == 0, report["error_tail"]
    assert report["actions"] == 30 and report["finished"]
    assert report["stalls"] == [], report["stalls"]
    assert out.returncode == 0
