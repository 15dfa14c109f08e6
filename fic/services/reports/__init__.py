"""Supervision summaries and client progress reports: request, build, store, deliver, purge."""
