"""All models; importing this package registers every table on ``Base.metadata``."""
from store.models import accounts, alerts, deadlines, publications, routing, topics  # noqa: F401  (register tables)
from store.models.base import Base, JSONType, now_local
from store.models.core import (
    CHANNELS,
    AnalysisWatermark,
    CrawlRun,
    Message,
    MessageRevision,
    MessageSighting,
    Source,
    Unit,
)

__all__ = [
    "Base", "JSONType", "now_local", "CHANNELS", "AnalysisWatermark", "CrawlRun", "Message", "MessageRevision",
    "MessageSighting", "Source", "Unit",
]
