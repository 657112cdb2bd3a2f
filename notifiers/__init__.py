"""Delivery channels: transport only (architecture: notifiers know no case, obligation or profile).

The interface and its contract are in ``notifiers/base.py``; the registry of channels is
``notifiers/registry.py``.
"""

from notifiers.base import Checkpoint, DeliveryError, Mention, Message, Notifier, Receipt

__all__ = ["Checkpoint", "DeliveryError", "Mention", "Message", "Notifier", "Receipt"]
