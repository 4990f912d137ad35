"""Lessons, help lines and danger words: loaded from content/, checked, rendered."""
