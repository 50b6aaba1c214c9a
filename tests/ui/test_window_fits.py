"""The window fits a small screen: a 1366 x 768 laptop, or 1920 x 1080 at 150% scaling
(1280 x 720 logical pixels). No tab may need more width than that, even with a long model
store path, and the first window is sized to the screen it opens on."""

from __future__ import annotations

from app.ui.main_window import first_size

SMALL_SCREEN = (1280, 720)


def test_no_tab_needs_more_than_a_small_screen(qtbot, make_window) -> None:
    window = make_window()
    store = "C:\\Users\\a.rather.long.user.name\\AppData\\Local\\Tandem\\Tandem\\models"
    window.models_tab.view.disk.setText(f"Disk: model store 1.2 GB ({store}) · Hugging Face "
                                        f"cache 3.4 GB ({store}\\hub)")
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        qtbot.wait(10)
        width = window.minimumSizeHint().width()
        assert width <= SMALL_SCREEN[0] - 40, (window.tabs.tabText(index), width)
    assert window.minimumSizeHint().height() <= SMALL_SCREEN[1] - 60


def test_the_first_window_is_sized_to_the_screen() -> None:
    assert first_size((2560, 1400)) == (1440, 900)
    width, height = first_size(SMALL_SCREEN)
    assert width <= SMALL_SCREEN[0] and height <= SMALL_SCREEN[1]
    assert width >= 1100  # still roomy: the three columns side by side
