"""What a user may see: unit officials only their own unit's messages and alerts."""
from __future__ import annotations

from fastapi import HTTPException
from sqlalchemy import or_

from store.models import Message
from store.models.accounts import User
from web.i18n import N_


def is_unit_official(user: User) -> bool:
    return user.role == "unit_official"


def unit_of(user: User) -> str | None:
    """The unit a user is restricted to, or None for users who see every unit."""
    return user.unit if is_unit_official(user) else None


def message_conditions(user: User) -> list:
    """WHERE conditions restricting a Message query to what ``user`` may see. A unit official whose unit is in
    the unit directory sees its messages in every spelling (``Message.unit_id``, filled by the analysis step
    `units`, which alerts use too), and the ones written with the user's unit name."""
    if is_unit_official(user):
        if user.unit_id is not None:
            return [or_(Message.unit == user.unit, Message.unit_id == user.unit_id)]
        return [Message.unit == user.unit]
    return []


def _own(user: User, message: Message) -> bool:
    return message.unit == user.unit or (user.unit_id is not None and message.unit_id == user.unit_id)


def check_message_visible(user: User, message: Message | None) -> Message:
    """The message, or 404 when it does not exist or belongs to another unit (not telling which)."""
    if message is None or (is_unit_official(user) and not _own(user, message)):
        raise HTTPException(status_code=404, detail=N_("No such message."))
    return message
