"""Measure the window's responsiveness and throughput against headless `tandem generate`.

    python -m app.devtools.measure_window --runs 5 --max-new-tokens 256

For each round (interleaved: app, headless, app, headless, ...): the app answers the
prompt in the real window (offscreen) while a StallProbe records the GUI event loop's
longest stall (wall time, and the GUI thread's own CPU time between two ticks, which
excludes waiting for a core on a busy machine); `tandem generate --json` answers the
same prompt with the same settings in a fresh process (a cold first run), and the engine
alone answers it warm (after one run, as in the window). Throughput is the engine's
decode rate (1000 / TPOT) in all three. Prints medians and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

PROMPT = "Tell me about speculative decoding."


# The engine alone, warm: one run first (as the window has had), then the measured one.
WARM = """
import json, sys
from app.commands.generate import demo_spec
from app.core.engine import GenerationRequest, load_session
session = load_session(demo_spec())
request = GenerationRequest.chat(sys.argv[1], max_new_tokens=int(sys.argv[3]),
                                 num_assistant_tokens=int(sys.argv[2]))
session.generate(request)
result = session.generate(request, lambda event: None)
print(json.dumps({"text": result.text, **result.stats.to_dict()}))
"""


def headless_warm(prompt: str, k: int, max_new: int) -> dict:
    out = subprocess.run([sys.executable, "-c", WARM, prompt, str(k), str(max_new)],
                         capture_output=True, text=True, check=True, timeout=300)
    return json.loads(out.stdout)


def headless(prompt: str, k: int, max_new: int) -> dict:
    out = subprocess.run([sys.executable, "-m", "app", "generate", "--json", "--k", str(k),
                          "--max-new-tokens", str(max_new), prompt],
                         capture_output=True, text=True, check=True, timeout=300)
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--max-new-tokens", type=int, default=256)
    parser.add_argument("--prompt", default=PROMPT)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["TANDEM_HOME"] = tempfile.mkdtemp(prefix="tandem-measure-")
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from app.ui.main_window import MainWindow
    from app.ui.theme import theme
    from app.ui.workers.generation_controller import PairState
    from app.ui.workers.stall_probe import StallProbe

    app = QApplication(sys.argv)
    theme.apply(app)
    window = MainWindow()
    window.show()
    controls = window.chat_tab.controls
    controls.k.setValue(args.k)
    controls.max_new.setValue(args.max_new_tokens)

    def wait_until(condition: object, timeout_s: float = 120.0) -> None:
        # A real event loop, as in the app: polling here would take the GIL a thousand
        # times a second and slow the worker down.
        loop = QEventLoop()
        check = QTimer()
        check.setInterval(50)
        check.timeout.connect(lambda: loop.quit() if condition() else None)  # type: ignore[operator]
        check.start()
        QTimer.singleShot(int(timeout_s * 1000), loop.quit)
        if not condition():  # type: ignore[operator]
            loop.exec()
        check.stop()

    wait_until(lambda: window.generation.state is PairState.READY)
    window.chat_tab.build_side_panels()  # built after the first paint: not in a measured run
    probe = StallProbe()
    app_tps: list[float] = []
    cli_tps: list[float] = []
    warm_tps: list[float] = []
    stalls: list[float] = []
    stalls_cpu: list[float] = []
    texts: set[str] = set()
    done: list[object] = []

    def on_answer(result: object) -> None:  # one slot for all rounds
        done.append(result)

    window.chat.answer_finished.connect(on_answer)
    for _ in range(args.runs):
        window.conversations.new_conversation()
        done.clear()
        probe.start()
        window.chat.send(args.prompt)
        wait_until(lambda: done)
        stalls.append(probe.stop())
        stalls_cpu.append(probe.longest_cpu_ms)
        result = done[0]
        app_tps.append(result.stats.throughput_tps)  # type: ignore[attr-defined]
        texts.add(result.text)  # type: ignore[attr-defined]
        data = headless(args.prompt, args.k, args.max_new_tokens)
        cli_tps.append(float(data["throughput_tps"]))
        texts.add(data["text"])
        warm = headless_warm(args.prompt, args.k, args.max_new_tokens)
        warm_tps.append(float(warm["throughput_tps"]))
        texts.add(warm["text"])
    window.close()
    ratio = statistics.median(app_tps) / statistics.median(cli_tps)
    print(json.dumps({
        "runs": args.runs, "k": args.k, "max_new_tokens": args.max_new_tokens,
        "app_tokens_per_s": [round(x, 1) for x in app_tps],
        "headless_tokens_per_s": [round(x, 1) for x in cli_tps],
        "app_median": round(statistics.median(app_tps), 1),
        "headless_median": round(statistics.median(cli_tps), 1),
        "app_vs_headless": round(ratio, 3),
        "headless_warm_tokens_per_s": [round(x, 1) for x in warm_tps],
        "headless_warm_median": round(statistics.median(warm_tps), 1),
        "app_vs_headless_warm": round(statistics.median(app_tps)
                                      / statistics.median(warm_tps), 3),
        "gui_longest_stall_ms": [round(x, 1) for x in stalls],
        "gui_longest_stall_ms_max": round(max(stalls), 1),
        "gui_longest_stall_cpu_ms": [round(x, 1) for x in stalls_cpu],
        "gui_longest_stall_cpu_ms_max": round(max(stalls_cpu), 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "same_text": len(texts) == 1,
    }, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
