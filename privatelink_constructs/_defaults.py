"""Defaults that several of the library's constructs share, each declared once."""

from __future__ import annotations

from aws_cdk import aws_logs as logs

__all__ = ["DEFAULT_LOG_RETENTION"]

DEFAULT_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS
"""How long every log group this library creates keeps its logs unless told otherwise."""
