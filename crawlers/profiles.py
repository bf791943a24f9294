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
    demo = false                            # demo-portal profiles are skipped by `crawl --all`
    [params]                                # family-specific (see each spider's docstring)
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
    known = {"name", "family", "channel", "base_url", "source", "allowed_domains", "freshness_days", "max_pages",
             "encoding", "demo", "enabled", "params"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ProfileError(f"{path}: unknown key(s) {', '.join(unknown)} (expected {', '.join(sorted(known))})")
    return Profile(
        name=name, family=family, channel=channel, base_url=base_url, source=str(data.get("source") or name),
        allowed_domains=tuple(domains), freshness_days=data.get("freshness_days", 5),
        max_pages=data.get("max_pages"), encoding=data.get("encoding"), demo=bool(data.get("demo", False)),
        enabled=bool(data.get("enabled", True)), params=params, path=path,
    )


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
