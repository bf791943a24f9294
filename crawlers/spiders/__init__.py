"""One spider class per site family; a profile (crawlers/profiles/*.toml) points one at a site."""
from __future__ import annotations

from crawlers.profiles import Profile
from crawlers.spiders.base import MessageSpider


def spider_class(family: str) -> type[MessageSpider]:
    from crawlers.spiders.case12345 import Case12345Spider
    from crawlers.spiders.generic import GenericSpider
    from crawlers.spiders.hanweb import HanwebSpider
    from crawlers.spiders.rmw import RmwSpider
    from crawlers.spiders.trs import TrsSpider
    from crawlers.spiders.vsb import VsbSpider

    classes = {cls.family: cls for cls in (RmwSpider, HanwebSpider, VsbSpider, TrsSpider, Case12345Spider,
                                             GenericSpider)}
    return classes[family]


def spider_for(profile: Profile) -> type[MessageSpider]:
    return spider_class(profile.family)
