"""Routing: trained router models and the routing predictions made with them.

Model files live under ``routing.model_dir`` (default ``<var_dir>/models``) as
``router-<field>-<version>.joblib`` with a ``.json`` metadata file beside it; ``RoutingModel`` records each
one so ``analyze`` and the UI can tell which model is in use. A ``RoutingPrediction`` is the latest
prediction for one message and field (category or unit), made by ``analysis.routing.router``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base, JSONType, now_local

ROUTING_FIELDS = ("category", "unit")


class RoutingModel(Base):
    """One trained router: which field it predicts, where its file is, what it was trained on and how
    well it cross-validated."""

    __tablename__ = "routing_models"
    __table_args__ = (UniqueConstraint("field", "version", name="uq_routing_models_field_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    field: Mapped[str] = mapped_column(String(20))  # category | unit
    version: Mapped[str] = mapped_column(String(40))  # trained-at stamp, e.g. 20240315T101500
    path: Mapped[str] = mapped_column(String(1000))
    trained_at: Mapped[datetime] = mapped_column(DateTime)
    n_rows: Mapped[int] = mapped_column(Integer)
    classes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    cv_scores: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    min_confidence: Mapped[float] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # the one `analyze` uses for its field


class RoutingPrediction(Base):
    """The router's latest answer for one message and field. ``predicted`` is None when the confidence was
    below the threshold: the message waits for manual routing (``needs_manual``) instead of a guess;
    ``best_guess`` keeps what the model would have said, for the person routing it."""

    __tablename__ = "routing_predictions"
    __table_args__ = (UniqueConstraint("message_id", "field", name="uq_routing_predictions_message_field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(20))
    predicted: Mapped[str | None] = mapped_column(String(200))
    best_guess: Mapped[str | None] = mapped_column(String(200))
    confidence: Mapped[float] = mapped_column(Float)
    needs_manual: Mapped[bool] = mapped_column(Boolean, default=False)
    alternatives: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # [[label, probability], …]
    model_version: Mapped[str] = mapped_column(String(40))
    routed_by: Mapped[str | None] = mapped_column(Text)  # who confirmed or corrected it (manual routing)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now_local)
