"""All models; importing this package registers every table on ``Base.metadata``."""
from store.models.base import Base, JSONType, now_local
from store.models.core import CHANNELS, CrawlRun, Message, MessageRevision, Source, Unit
from store.models import deadlines, routing, topics, alerts, publications, accounts  # noqa: F401  (register tables)

__all__ = [
    "Base", "JSONType", "now_local", "CHANNELS", "CrawlRun", "Message", "MessageRevision", "Source", "Unit",
]
