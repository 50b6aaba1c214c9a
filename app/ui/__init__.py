"""The PySide6 window: views, controllers, and workers that adapt core objects to Qt."""
