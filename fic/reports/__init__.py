"""Supervision reports: primitives from storage, HTML from sandboxed templates, PDF, encryption."""
