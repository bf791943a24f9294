"""Site profiles: one TOML file per crawled site section, naming its spider family and its parameters.

A new site of a known family needs only a profile. Packaged profiles live in crawlers/profiles/; a bureau's own
in the directory named by the setting ``crawl.profiles_dir`` (read first, so a profile there wins by name).

    name = "jiangchuan-mayor-mailbox"      # unique; also the source name unless `source` is given
    family = "vsb"                          # rmw | hanweb | vsb | trs | case12345 | generic
    channel = "mailbox"                     # hotline | mailbox | feedback
    base_url = "http://www.example.gov.cn/"
    allowed_domains = ["www.example.gov.cn"]   # default: the host of base_url
    freshness_days = 5                      # objective: a new item at least every N working days
    max_pages = 50
    revisit_max_age_days = 365              # unanswered messages younger than this are fetched again
    time_budget_seconds = 1800              # a crawl of this site stops after this long (finish "time_budget")
    demo = false                            # demo-portal profiles are skipped by `crawl --all`
    [params]                                # family-specific (see each spider's docstring)
    reply_placeholders = ["正在办理中"]      # any family: a reply that only says "no reply yet"
    [params.list_fields]                    # any family: message fields read from the list page
    kind = "诉求类型"

The guide for writing one is docs/profiles.md.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from store.models.core import CHANNELS

PACKAGED_DIR = Path(__file__).parent / "profiles"
FAMILIES = ("rmw", "hanweb", "vsb", "trs", "case12345", "generic")


class ProfileError(ValueError):
    """A profile file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Profile:
    name: str
    family: str
    channel: str
    base_url: str
    source: str
    allowed_domains: tuple[str, ...]
    freshness_days: int | None = 5
    max_pages: int | None = None
    encoding: str | None = None
    demo: bool = False
    enabled: bool = True
    revisit_max_age_days: int | None = None
    time_budget_seconds: float | None = None
    params: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def url(self, relative: str) -> str:
        return _join(self.base_url, relative)

    def with_origin(self, origin: str) -> Profile:
        """The same profile pointed at another server (the demo portal's port, a mirror): scheme, host and port
        of ``origin``, the profile's own path."""
        target, current = urlsplit(origin), urlsplit(self.base_url)
        base_url = current._replace(scheme=target.scheme, netloc=target.netloc).geturl()
        return replace(self, base_url=base_url, allowed_domains=(target.hostname or "",))


@lru_cache(maxsize=256)
def _join(base: str, relative: str) -> str:
    return urljoin(base, relative)


def _require(data: dict[str, Any], key: str, path: Path) -> Any:
    if key not in data or data[key] in ("", None):
        raise ProfileError(f"{path}: missing required key {key!r}")
    return data[key]


def load_profile(path: Path) -> Profile:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML ({exc})") from None
    name = str(_require(data, "name", path))
    family = str(_require(data, "family", path))
    if family not in FAMILIES:
        raise ProfileError(f"{path}: family {family!r} is not one of {', '.join(FAMILIES)}")
    channel = str(_require(data, "channel", path))
    if channel not in CHANNELS:
        raise ProfileError(f"{path}: channel {channel!r} is not one of {', '.join(CHANNELS)}")
    base_url = str(_require(data, "base_url", path))
    host = urlsplit(base_url).hostname
    if not host:
        raise ProfileError(f"{path}: base_url {base_url!r} has no host")
    if not base_url.endswith("/"):
        base_url += "/"
    domains = data.get("allowed_domains") or [host]
    params = data.get("params", {})
    if not isinstance(params, dict):
        raise ProfileError(f"{path}: [params] must be a table")
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise ProfileError(f"{path}: unknown key(s) {', '.join(unknown)} (expected {', '.join(sorted(KEYS))})")
    _check_types(data, path)
    return Profile(
        name=name, family=family, channel=channel, base_url=base_url, source=str(data.get("source") or name),
        allowed_domains=tuple(domains), freshness_days=data.get("freshness_days", 5),
        max_pages=data.get("max_pages"), encoding=data.get("encoding"), demo=bool(data.get("demo", False)),
        enabled=bool(data.get("enabled", True)), revisit_max_age_days=data.get("revisit_max_age_days"),
        time_budget_seconds=data.get("time_budget_seconds"), params=params, path=path,
    )


# top-level keys and the type each must have
KEYS: dict[str, type | tuple[type, ...]] = {
    "name": str, "family": str, "channel": str, "base_url": str, "source": str, "allowed_domains": list,
    "freshness_days": int, "max_pages": int, "encoding": str, "demo": bool, "enabled": bool,
    "revisit_max_age_days": int, "time_budget_seconds": (int, float), "params": dict,
}
# [params] keys every family understands, and their types
COMMON_PARAMS: dict[str, type | tuple[type, ...]] = {
    "date_formats": list, "page_end": str, "reply_placeholders": list, "list_fields": dict,
}


def _check_types(data: dict[str, Any], path: Path) -> None:
    for key, kind in KEYS.items():
        if key not in data:
            continue
        if not isinstance(data[key], kind) or (kind is not bool and isinstance(data[key], bool)):
            names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            raise ProfileError(f"{path}: key {key!r} must be {names}, not {type(data[key]).__name__}")
    params = data.get("params", {})
    for key, kind in COMMON_PARAMS.items():
        if key in params and not isinstance(params[key], kind):
            raise ProfileError(f"{path}: params.{key} must be a {kind.__name__}, not {type(params[key]).__name__}")
    from crawlers.items import MESSAGE_FIELDS

    for name, label in (params.get("list_fields") or {}).items():
        if name not in MESSAGE_FIELDS:
            raise ProfileError(f"{path}: params.list_fields.{name} is not a message field "
                               f"(one of {', '.join(MESSAGE_FIELDS[2:])})")
        if not isinstance(label, str) or not label.strip():
            raise ProfileError(f"{path}: params.list_fields.{name} must be a non-empty text (a column label or, "
                               "for the generic family, a selector)")
    if "encoding" in data:
        import codecs

        try:
            codecs.lookup(data["encoding"])
        except LookupError:
            raise ProfileError(f"{path}: encoding {data['encoding']!r} is not an encoding Python knows "
                               "(e.g. utf-8, gbk, gb18030)") from None


def profile_dirs() -> list[Path]:
    from store.settings import get_settings

    own = get_settings().get("crawl.profiles_dir")
    return ([Path(own)] if own else []) + [PACKAGED_DIR]


def load_profiles(dirs: list[Path] | None = None) -> dict[str, Profile]:
    """Every profile by name; the first directory wins on a name clash."""
    profiles: dict[str, Profile] = {}
    for directory in dirs if dirs is not None else profile_dirs():
        if not directory.is_dir():
            raise ProfileError(f"profiles directory {directory} does not exist")
        for path in sorted(directory.glob("*.toml")):
            profile = load_profile(path)
            profiles.setdefault(profile.name, profile)
    return profiles


def get_profile(name: str) -> Profile:
    profiles = load_profiles()
    if name not in profiles:
        raise ProfileError(f"no profile named {name!r}; known: {', '.join(sorted(profiles)) or 'none'}")
    return profiles[name]
