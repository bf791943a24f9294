"""What a user may see: unit officials only their own unit's messages and alerts."""
from __future__ import annotations

from fastapi import HTTPException

from store.models import Message
from store.models.accounts import User


def is_unit_official(user: User) -> bool:
    return user.role == "unit_official"


def unit_of(user: User) -> str | None:
    """The unit a user is restricted to, or None for users who see every unit."""
    return user.unit if is_unit_official(user) else None


def message_conditions(user: User) -> list:
    """WHERE conditions restricting a Message query to what ``user`` may see."""
    if is_unit_official(user):
        return [Message.unit == user.unit]
    return []


def check_message_visible(user: User, message: Message | None) -> Message:
    """The message, or 404 when it does not exist or belongs to another unit (not telling which)."""
    if message is None or (is_unit_official(user) and message.unit != user.unit):
        raise HTTPException(status_code=404, detail="No such message.")
    return message
