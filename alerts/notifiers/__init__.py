"""Notifiers: each delivers an already-built message to one address on one channel.

Building the message (``alerts.digest``) is separate from delivering it; a notifier only turns the message
into its channel's wire format (``build_payload``/``build_email``, pure functions, tested on their own) and
sends it. ``send`` returns a short description of the server's answer or raises ``DeliveryError``
(``retryable`` False for answers that retrying cannot fix, e.g. a rejected robot token).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    idempotency_key: str
    subject: str
    text: str  # plain text that also reads as Markdown (robots render it)
    html: str | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    recipient_name: str = ""


class DeliveryError(Exception):
    def __init__(self, message: str, retryable: bool = True, response: str | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.response = response


class Notifier(Protocol):
    channel: str

    def send(self, address: dict[str, Any], message: OutgoingMessage) -> str: ...

    def close(self) -> None: ...


# channel name → notifier class; filled as the channel modules are imported (each class registers itself)
_REGISTRY: dict[str, type[BaseNotifier]] = {}


class BaseNotifier:
    """A notifier registers its channel by subclassing: ``class WeComNotifier(BaseNotifier, channel="wecom")``,
    in the module ``alerts.notifiers.<channel>`` (so a channel's module is imported only when that channel is
    used, or when every channel is listed)."""

    channel: ClassVar[str]

    def __init_subclass__(cls, channel: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if channel is None:
            return
        known = _REGISTRY.get(channel)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise TypeError(f"alert channel {channel!r} is registered twice ({known.__qualname__}, {cls.__qualname__})")
        cls.channel = channel
        _REGISTRY[channel] = cls

    def __init__(self, timeout: float = 10.0):
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Any) -> BaseNotifier:
        """The notifier configured from the settings (robots and webhooks: ``alerts.http_timeout_seconds``)."""
        return cls(timeout=float(settings.get("alerts.http_timeout_seconds")))

    def send(self, address: dict[str, Any], message: OutgoingMessage) -> str:
        raise NotImplementedError

    def close(self) -> None:
        pass


def _channel_modules() -> list[str]:
    """The channel modules of this package (one per channel, named after it; ``_``-prefixed ones are helpers)."""
    import pkgutil

    return [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]


def _load(module: str) -> None:
    import importlib

    importlib.import_module(f"{__name__}.{module}")
    if module not in _REGISTRY:
        raise TypeError(f"alerts/notifiers/{module}.py defines no notifier for channel {module!r} "
                        f"(class …(BaseNotifier, channel={module!r}))")


def channels() -> tuple[str, ...]:
    """Every alert channel, in name order (imports each channel's module)."""
    for module in _channel_modules():
        if module not in _REGISTRY:
            _load(module)
    return tuple(sorted(_REGISTRY))


def notifier_class(channel: str) -> type[BaseNotifier]:
    """The notifier class of ``channel``, importing its module only."""
    if channel not in _REGISTRY and channel in _channel_modules():
        _load(channel)
    if channel not in _REGISTRY:
        raise ValueError(f"unknown alert channel {channel!r} (one of {', '.join(channels())})")
    return _REGISTRY[channel]


def notifier_for(channel: str, settings: Any = None) -> Notifier:
    """The notifier of a channel, configured from the settings."""
    from store.settings import get_settings

    return notifier_class(channel).from_settings(settings or get_settings())
