"""The one place a Slack Web API client is built."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from http.client import HTTPException
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import WHERE_TO_FIND, ConfigError, Settings
from bot.people import SlackUnavailable

SENDER_TIMEOUT = 10  # seconds; the sender's lease must outlast a call that takes this long


def build_client(settings: Settings, *, resend: bool = True) -> WebClient:
    """A WebClient on ``SLACK_API_URL`` that retries 429 (after Retry-After), drops and 5xx.

    ``resend=False`` builds the outbox sender's client: no retry at all. A dropped
    connection or a 5xx may come *after* Slack posted the message, so a blind re-POST
    could post it twice; the sender decides itself (429: wait; in doubt: look first).
    """
    if not resend:
        return WebClient(
            token=settings.slack_bot_token,
            base_url=settings.slack_api_url,
            timeout=SENDER_TIMEOUT,
            retry_handlers=[],  # None would mean slack_sdk's default: connection retries
        )
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=15,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def email_resolver(client: WebClient) -> Callable[[str], str | None]:
    """Look a person up by email through Slack's users.lookupByEmail.

    None when no Slack user has the email; SlackUnavailable when Slack cannot answer
    (unreachable, timed out, 5xx or rate limited after the retries, or refused).
    """

    def resolve(email: str) -> str | None:
        try:
            response = client.users_lookupByEmail(email=email)
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error == "users_not_found":
                return None
            status = exc.response.status_code
            hint = " (add the users:read.email scope)" if error == "missing_scope" else ""
            raise SlackUnavailable(
                f"Slack answered users.lookupByEmail with HTTP {status} ({error}){hint} "
                f"at SLACK_API_URL={client.base_url}"
            ) from None
        except (OSError, HTTPException, SlackClientError) as exc:
            raise SlackUnavailable(
                f"Slack cannot be reached at SLACK_API_URL={client.base_url} ({exc}): check "
                "the URL and this machine's network"
            ) from None
        user = response.get("user") or {}
        return str(user["id"]) if user.get("id") else None

    return resolve


def iter_users(client: WebClient, *, page_size: int = 200) -> Iterator[dict[str, Any]]:
    """Every member of the workspace, following users.list's cursor page by page."""
    for page in client.users_list(limit=page_size):
        yield from page.get("members") or []


def check_credentials(client: WebClient, settings: Settings) -> None:
    """Ask Slack whether the bot token works (auth.test); ConfigError naming what is wrong."""
    try:
        client.auth_test()
    except SlackApiError as exc:
        error = exc.response.get("error")
        raise ConfigError(
            f"Configuration problem:\n  - SLACK_BOT_TOKEN was refused by Slack ({error}): "
            f"use {WHERE_TO_FIND['SLACK_BOT_TOKEN']}, and reinstall the app if it changed."
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"Cannot reach the Slack Web API at SLACK_API_URL={settings.slack_api_url} ({exc}). "
            "Check the URL and this machine's network."
        ) from None


def app_token_problem(exc: SlackApiError) -> ConfigError:
    """The Socket Mode connection was refused: name SLACK_APP_TOKEN and where to get it."""
    return ConfigError(
        f"Configuration problem:\n  - SLACK_APP_TOKEN was refused by Slack "
        f"({exc.response.get('error')}): use {WHERE_TO_FIND['SLACK_APP_TOKEN']}."
    )
