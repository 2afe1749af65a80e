"""Typed settings, read from the environment (the CLI loads ``.env`` first)."""

from __future__ import annotations

import os
from datetime import time
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.clock import valid_zone

# Where a newcomer finds each required value; shown when it is missing or wrong.
WHERE_TO_FIND = {
    "SLACK_BOT_TOKEN": (
        "the Bot User OAuth Token (xoxb-…) on your Slack app's 'OAuth & Permissions' page"
    ),
    "SLACK_SIGNING_SECRET": "the Signing Secret on your Slack app's 'Basic Information' page",
    "SLACK_APP_TOKEN": (
        "an App-Level Token (xapp-…) with connections:write, under 'Basic Information'"
    ),
    "MENTORBOT_COORDINATORS": "comma-separated Slack user IDs, e.g. U012AB3CD,U045EF6GH",
    "MENTORBOT_DIGEST_CHANNEL": "a channel ID such as C0123456789 (channel details → About)",
}


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # as APScheduler names them
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_days(text: str) -> frozenset[int]:
    """Weekday numbers (Monday 0) from ``mon-fri``, ``sun-thu`` or ``mon,tue,thu``: ranges
    wrap around the week; full names work too."""
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        if not part:
            continue
        first, _, last = part.partition("-")
        ends = [_day_number(first), _day_number(last or first)]
        day = ends[0]
        days.add(day)
        while day != ends[1]:
            day = (day + 1) % 7
            days.add(day)
    if not days:
        raise ValueError("should name at least one day, such as mon-fri")
    return frozenset(days)


def _day_number(word: str) -> int:
    short = word[:3] if word in WEEKDAY_NAMES else word
    if short not in WEEKDAYS:
        raise ValueError("should be days such as mon-fri or sun-thu (mon, tue … sun)")
    return WEEKDAYS.index(short)


class ConfigError(Exception):
    """Configuration is missing or invalid; the message names every problem."""


class Welcome(StrEnum):
    """Who gets a welcome DM when they first appear (``MENTORBOT_WELCOME``)."""

    NEWCOMERS = "newcomers"  # people inside their connection window
    EVERYONE = "everyone"
    OFF = "off"


class Settings(BaseSettings):
    """Every setting of the design, with its default."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    slack_bot_token: str = Field(alias="SLACK_BOT_TOKEN", pattern=r"^xoxb-\S+$")
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    database_url: str = Field(default="sqlite:///mentorbot.db", alias="DATABASE_URL")
    port: int = Field(default=3000, alias="PORT", ge=1, le=65535)
    coordinators: Annotated[frozenset[str], NoDecode] = Field(
        default=frozenset(), alias="MENTORBOT_COORDINATORS"
    )
    digest_channel: str | None = Field(default=None, alias="MENTORBOT_DIGEST_CHANNEL")
    connection_goal: int = Field(default=10, alias="MENTORBOT_CONNECTION_GOAL", ge=1, le=1000)
    connection_window_days: int = Field(
        default=183, alias="MENTORBOT_CONNECTION_WINDOW_DAYS", ge=1, le=3650
    )
    transition_goal: int = Field(default=3, alias="MENTORBOT_TRANSITION_GOAL", ge=1, le=1000)
    transition_window_days: int = Field(
        default=90, alias="MENTORBOT_TRANSITION_WINDOW_DAYS", ge=1, le=3650
    )
    max_level_gap: int = Field(default=2, alias="MENTORBOT_MAX_LEVEL_GAP", ge=0, le=100)
    max_sessions: int = Field(default=3, alias="MENTORBOT_MAX_SESSIONS", ge=1, le=20)
    support_url: str | None = Field(default=None, alias="MENTORBOT_SUPPORT_URL")
    # Words that make a search a triage case (HR, employee assistance), on top of the defaults.
    triage_terms: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), alias="MENTORBOT_TRIAGE_TERMS"
    )
    # Private texts of conversations closed longer ago than this are deleted (daily job).
    retention_days: int = Field(default=365, alias="MENTORBOT_RETENTION_DAYS", ge=1, le=36500)
    # Fewest people behind any count shown to a manager or in a pulse (below it: nothing).
    min_group: int = Field(default=3, alias="MENTORBOT_MIN_GROUP", ge=2, le=100)
    # Days without a recorded team check-in before a manager's reminder.
    checkin_days: int = Field(default=30, alias="MENTORBOT_CHECKIN_DAYS", ge=1, le=365)

    # Nudges: only inside these local hours, on these days, in each person's own time zone.
    workdays: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(range(5)), alias="MENTORBOT_WORKDAYS"
    )  # weekday numbers, Monday 0: "mon-fri" by default, "sun-thu" where the week starts Sunday
    workday_start: time = Field(default=time(9, 0), alias="MENTORBOT_WORKDAY_START")
    workday_end: time = Field(default=time(17, 0), alias="MENTORBOT_WORKDAY_END")
    default_tz: str = Field(default="UTC", alias="MENTORBOT_DEFAULT_TZ")
    welcome: Welcome = Field(default=Welcome.NEWCOMERS, alias="MENTORBOT_WELCOME")

    @field_validator("workday_start", "workday_end", mode="before")
    @classmethod
    def _clock_time(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                hours, minutes = value.strip().split(":")
                return time(int(hours), int(minutes))
            except ValueError:
                raise ValueError("should be a time of day such as 09:00") from None
        return value

    @field_validator("default_tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone = valid_zone(value.strip())
        if zone is None:
            raise ValueError("should be a time zone name such as Europe/London")
        return zone

    @field_validator("workdays", mode="before")
    @classmethod
    def _days(cls, value: object) -> object:
        if isinstance(value, str):
            return parse_days(value)
        return value

    @field_validator("welcome", mode="before")
    @classmethod
    def _welcome_word(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("workday_end")
    @classmethod
    def _workday_runs_forward(cls, value: time, info: ValidationInfo) -> time:
        start = info.data.get("workday_start")
        if isinstance(start, time) and value <= start:
            raise ValueError("should be later than MENTORBOT_WORKDAY_START")
        return value

    # When the weekly digest is due: a weekday, an hour, in a time zone.
    digest_weekday: str = Field(default="mon", alias="MENTORBOT_DIGEST_WEEKDAY")
    digest_hour: int = Field(default=9, alias="MENTORBOT_DIGEST_HOUR", ge=0, le=23)
    digest_tz: str = Field(default="UTC", alias="MENTORBOT_DIGEST_TZ")

    @field_validator("coordinators", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("triage_terms", mode="before")
    @classmethod
    def _split_terms(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("slack_app_token", "slack_signing_secret", "digest_channel", "support_url")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("xapp-"):
            raise ValueError("must start with xapp-")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @field_validator("support_url")
    @classmethod
    def _support_url_shape(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("digest_weekday", mode="before")
    @classmethod
    def _weekday(cls, value: object) -> object:
        if isinstance(value, str):
            day = value.strip().lower()
            day = day[:3] if day in WEEKDAY_NAMES else day
            if day not in WEEKDAYS:
                raise ValueError("should be a weekday: mon, tue, wed, thu, fri, sat or sun")
            return day
        return value

    @field_validator("digest_tz")
    @classmethod
    def _digest_zone(cls, value: str) -> str:
        zone = valid_zone(value.strip())
        if zone is None:
            raise ValueError("should be an IANA time zone such as Europe/London or UTC")
        return zone

    def is_coordinator(self, slack_id: str) -> bool:
        return slack_id in self.coordinators


def load_settings(*, run: bool = False, http: bool = False) -> Settings:
    """Read settings from the environment, or raise ConfigError naming every problem.

    ``run``: for `mentorbot run`, which also needs SLACK_SIGNING_SECRET in HTTP mode
    (``http``, or no SLACK_APP_TOKEN); that is checked with the rest, so one message
    names everything to fix.
    """
    problems: list[str] = []
    settings: Settings | None = None
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = plain_problems(exc)
    app_token = (os.environ.get("SLACK_APP_TOKEN") or "").strip()
    secret = (os.environ.get("SLACK_SIGNING_SECRET") or "").strip()
    if run and (http or not app_token) and not secret:
        problems.append(_missing_secret())
    if problems or settings is None:
        raise ConfigError(_report(problems, socket_hint=run and not http and not app_token))
    return settings


def _missing_secret() -> str:
    return (
        f"SLACK_SIGNING_SECRET is missing: {WHERE_TO_FIND['SLACK_SIGNING_SECRET']}. "
        "HTTP mode needs it to check that requests come from Slack."
    )


def _report(problems: list[str], *, socket_hint: bool = False) -> str:
    lines = ["Configuration problem:" if len(problems) == 1 else "Configuration problems:"]
    lines += [f"  - {problem}" for problem in problems]
    if socket_hint:
        lines.append(
            "For Socket Mode (no public URL needed), set SLACK_APP_TOKEN: "
            f"{WHERE_TO_FIND['SLACK_APP_TOKEN']}."
        )
    lines.append("Set them in .env (copy .env.example) or in the environment.")
    return "\n".join(lines)


def require_http(settings: Settings) -> str:
    """HTTP mode cannot verify requests without the signing secret: return it, or refuse."""
    if not settings.slack_signing_secret:
        raise ConfigError(_report([_missing_secret()]))
    return settings.slack_signing_secret


def describe_errors(exc: ValidationError) -> str:
    return _report(plain_problems(exc))


def plain_problems(exc: ValidationError) -> list[str]:
    """One plain sentence per variable (never pydantic's wording, never the value, which
    may be a secret)."""
    problems: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "a setting"
        if name in problems:
            continue
        where = WHERE_TO_FIND.get(name)
        if error["type"] == "missing":
            problems[name] = f"{name} is missing" + (f": {where}." if where else ".")
        else:
            problems[name] = f"{name} is invalid: {_plain(error)}" + (
                f" Expected {where}." if where else ""
            )
    return list(problems.values())


def _plain(error: Any) -> str:
    """What is wrong with a value, in words a newcomer reads at once."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "it should be a whole number."
    if kind in ("greater_than_equal", "greater_than"):
        return f"it should be at least {ctx.get('ge', ctx.get('gt'))}."
    if kind in ("less_than_equal", "less_than"):
        return f"it should be at most {ctx.get('le', ctx.get('lt'))}."
    if kind == "string_pattern_mismatch":
        return "it does not look like the value Slack gives you."
    if kind == "value_error":
        return f"it {ctx.get('error', 'is not a valid value')}."
    return "it is not a value this setting accepts."
