"""The ``privatelink-cdk`` command: ``doctor`` checks a live link, ``handoff`` hands it over.

Standard library and boto3 only; importing this package loads neither boto3 nor aws-cdk-lib
(``read_handoff`` works without boto3). The lead's consumer config reads a provider's handoff with
``read_handoff(path)``.
"""

from typing import TYPE_CHECKING

from privatelink_constructs._lazy import lazy_exports

if TYPE_CHECKING:
    from .handoff import ConsumerNote, Handoff, HandoffError, read_consumer_note, read_handoff
    from .main import main

__all__ = ["ConsumerNote", "Handoff", "HandoffError", "main", "read_consumer_note", "read_handoff"]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "ConsumerNote": ".handoff",
        "Handoff": ".handoff",
        "HandoffError": ".handoff",
        "main": ".main",
        "read_consumer_note": ".handoff",
        "read_handoff": ".handoff",
    },
)
