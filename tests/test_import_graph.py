"""No import circles among app's modules, and no import runs back up the layers."""

from __future__ import annotations

from app.devtools.import_graph import analyse, import_edges, layer_of


def test_app_has_no_import_circle_and_no_upward_import():
    report = analyse(import_edges())
    assert report.modules > 100
    assert report.cycles == []
    assert report.upward == []


def test_the_analysis_finds_a_circle_and_an_upward_import():
    edges = {"app.cli": {"app.core.a"}, "app.core.a": {"app.core.b"},
             "app.core.b": {"app.core.a", "app.paths"}, "app.paths": {"app.cli"}}
    report = analyse(edges)
    assert report.cycles == [["app.cli", "app.core.a", "app.core.b", "app.paths", "app.cli"]]
    assert report.upward == [("app.paths", "app.cli")]


def test_every_app_module_has_a_layer():
    assert [m for m in import_edges() if layer_of(m) is None and m != "app"] == []


def test_the_picture_shows_rooms_that_only_import_down_and_features_apart(tmp_path):
    from app.devtools.import_picture import render, room_edges, row_of

    counts = room_edges(import_edges())
    features = {"app.ui.chat", "app.ui.race", "app.ui.models", "app.ui.endpoints"}
    assert counts and not [pair for pair in counts if set(pair) <= features]
    assert all(row_of(b) >= row_of(a) for a, b in counts), "an arrow points up a row"
    assert render(tmp_path / "graph.png").stat().st_size > 10_000
