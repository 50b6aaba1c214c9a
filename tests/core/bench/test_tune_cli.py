"""`tandem tune` on the demo pair: it takes the K values, thresholds and calibration
prompts per class it is given, stores a choice, and refuses bad values with a next step."""

from __future__ import annotations

import pytest

from app.cli import main
from app.core.bench.tuner import stored_choice


def test_tune_stores_a_choice_from_the_given_settings(tandem_home, capsys) -> None:
    assert main(["tune", "demo", "--k", "2,3", "--thresholds", "", "--per-class", "1",
                 "--max-new-tokens", "16", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert [line.split()[0] for line in out.splitlines() if line.startswith("  K=")] == [
        "K=2", "K=3"]
    for cls in ("code", "edit", "summary", "chat"):  # one calibration prompt of each
        assert f"; {cls} " in out
    assert "choice: " in out
    assert stored_choice("demo") is not None


@pytest.mark.parametrize(("args", "said"), [
    (["--k", "two"], "is not a list of whole numbers"),
    (["--k", "0"], "needs numbers from 1 to 32"),
    (["--k", "3,40"], "needs numbers from 1 to 32"),
    (["--max-k", "0"], "--max-k is 0"),
    (["--thresholds", "0.5,1.5"], "needs thresholds between 0 and 1"),
    (["--per-class", "3"], "Use 1 or 2 calibration prompts"),
    (["--backends", "draft,fast"], "Unknown backend: fast"),
])
def test_tune_refuses_bad_values_and_says_what_to_do(tandem_home, capsys, args, said) -> None:
    assert main(["tune", "demo", *args]) != 0
    assert said in capsys.readouterr().err
