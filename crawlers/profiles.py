"""Site profiles: one TOML file per crawled site section, naming its spider family and its parameters.

A new site of a known family needs only a profile. Packaged profiles live in crawlers/profiles/; a bureau's own
in the directory named by the setting ``crawl.profiles_dir`` (read first, so a profile there wins by name).

    name = "jiangchuan-mayor-mailbox"      # unique; also the source name unless `source` is given
    family = "vsb"                          # a spider family: crawlers.spiders.families()
    channel = "mailbox"                     # hotline | mailbox | feedback
    base_url = "http://www.example.gov.cn/"
    allowed_domains = ["www.example.gov.cn"]   # default: the host of base_url
    freshness_days = 5                      # objective: a new item at least every N working days
    region = "江川区"                        # topics are clustered per region (default: one region for all)
    max_pages = 50
    revisit_max_age_days = 365              # unanswered messages younger than this are fetched again
    time_budget_seconds = 1800              # a crawl of this site stops after this long (finish "time_budget")
    demo = false                            # demo-portal profiles are skipped by `crawl --all`
    [params]                                # family-specific (see each spider's docstring)
    reply_placeholders = ["正在办理中"]      # any family: a reply that only says "no reply yet"
    [params.list_fields]                    # any family: message fields read from the list page
    kind = "诉求类型"

A profile is validated against ``profile_schema()`` (pydantic, via ``store.schema``): errors name the file,
the key and the reason. The guide for writing one is docs/profiles.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from store.models.core import CHANNELS
from store.settings import ConfigError

PACKAGED_DIR = Path(__file__).parent / "profiles"


class ProfileError(ConfigError):
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
    region: str | None = None
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


def load_profile(path: Path) -> Profile:
    from store.schema import load_toml

    data = load_toml(profile_schema(), path, error=ProfileError)
    base_url = data.base_url if data.base_url.endswith("/") else data.base_url + "/"
    return Profile(
        name=data.name, family=data.family, channel=data.channel, base_url=base_url, source=data.source or data.name,
        allowed_domains=tuple(data.allowed_domains or [urlsplit(base_url).hostname]),
        params=data.params.model_dump(exclude_unset=True), path=path,
        **{name: getattr(data, name) for name in _optional_keys()},
    )


def _optional_keys() -> dict[str, tuple[Any, Any]]:
    """The profile's optional keys whose type and default the file shares with ``Profile``: name -> (type, default)."""
    import dataclasses
    from typing import get_type_hints

    hints = get_type_hints(Profile)
    return {f.name: (hints[f.name], f.default) for f in dataclasses.fields(Profile)
            if f.default is not dataclasses.MISSING and f.name not in ("params", "path")}


@lru_cache(maxsize=1)
def profile_schema() -> type:
    """The pydantic model of a profile file, built on first use (pydantic is loaded only when a profile is)."""
    import codecs
    from typing import Annotated

    from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

    from crawlers.items import MESSAGE_FIELDS
    from crawlers.spiders import families
    from store.schema import invalid

    Text = Annotated[str, Field(min_length=1)]

    class Params(BaseModel):
        """[params]: the keys every family understands; a family's own are checked by its spider's ``validate``."""
        model_config = ConfigDict(strict=True, extra="allow")
        date_formats: list[str] = []
        page_end: str | None = None
        reply_placeholders: list[str] = []
        list_fields: dict[str, str] = {}  # message field -> column label (table lists) or selector (generic)

        @field_validator("list_fields")
        @classmethod
        def _message_fields(cls, value: dict[str, str]) -> dict[str, str]:
            for name, label in value.items():
                if name not in MESSAGE_FIELDS:
                    raise invalid(f"{name!r} is not a message field (one of {', '.join(MESSAGE_FIELDS[2:])})")
                if not label.strip():
                    raise invalid(f"{name}: must be a non-empty text (a column label or, for the generic family, "
                                  "a selector)")
            return value

    class ProfileFile(BaseModel):
        """The keys of a profile file: the required ones, those read differently from ``Profile`` (source and
        allowed_domains default from name and base_url), and ``Profile``'s optional fields (``_optional_keys``)."""
        model_config = ConfigDict(strict=True, extra="forbid")
        name: Text
        family: Text
        channel: Text
        base_url: Text
        source: str | None = None
        allowed_domains: list[str] | None = None  # default: the host of base_url
        params: Params = Field(default_factory=Params)

        @field_validator("family")
        @classmethod
        def _family(cls, value: str) -> str:
            if value not in families():
                raise invalid(f"{value!r} is not a spider family (one of {', '.join(families())})")
            return value

        @field_validator("channel")
        @classmethod
        def _channel(cls, value: str) -> str:
            if value not in CHANNELS:
                raise invalid(f"{value!r} is not one of {', '.join(CHANNELS)}")
            return value

        @field_validator("base_url")
        @classmethod
        def _base_url(cls, value: str) -> str:
            if not urlsplit(value).hostname:
                raise invalid(f"{value!r} has no host")
            return value

        @field_validator("encoding", check_fields=False)  # declared by create_model below
        @classmethod
        def _encoding(cls, value: str | None) -> str | None:
            try:
                codecs.lookup(value or "utf-8")
            except LookupError:
                raise invalid(f"{value!r} is not an encoding Python knows (e.g. utf-8, gbk, gb18030)") from None
            return value

    # strict: max_pages = "10" and time_budget_seconds = true are refused; an integer is a float
    return create_model("ProfileFile", __base__=ProfileFile, **_optional_keys())


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
