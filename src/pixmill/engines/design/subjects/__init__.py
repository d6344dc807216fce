"""Drawn subjects: functions that return lists of scene shapes, one module per kind."""
