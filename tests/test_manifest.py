"""manifest.yml creates a working app: it validates against Slack's manifest schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from bot.ids import SLASH_COMMAND

ROOT = Path(__file__).parent.parent
SPEC = Path(__file__).parent / "slack_spec"
SCHEMA_BASE = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"


def _load(name: str) -> Any:
    return json.loads((SPEC / name).read_text())


def _manifest() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def _router() -> Draft7Validator:
    registry: Registry[Any] = Registry().with_resources(
        [
            (
                SCHEMA_BASE + f"manifest.schema.{v}.json",
                Resource.from_contents(
                    _load(f"manifest.schema.{v}.json"), default_specification=DRAFT7
                ),
            )
            for v in ("1.0.0", "2.0.0")
        ]
    )
    return Draft7Validator(_load("manifest.schema.json"), registry=registry)


def test_manifest_validates_against_slacks_schema() -> None:
    manifest = _manifest()
    detailed = [
        f"{list(e.absolute_path)}: {e.message}"
        for e in Draft7Validator(_load("manifest.schema.1.0.0.json")).iter_errors(manifest)
    ]
    assert detailed == []
    assert list(_router().iter_errors(manifest)) == []


def test_the_schema_check_would_catch_a_broken_manifest() -> None:
    manifest = _manifest()
    manifest["features"]["slash_commands"][0]["command"] = "mentor"
    manifest["settings"]["not_a_setting"] = True
    assert len(list(_router().iter_errors(manifest))) > 0


def test_manifest_declares_what_the_bot_uses() -> None:
    manifest = _manifest()
    features = manifest["features"]
    assert features["app_home"]["home_tab_enabled"] is True
    assert features["app_home"]["messages_tab_enabled"] is True
    command = features["slash_commands"][0]
    assert command["command"] == SLASH_COMMAND
    assert command["usage_hint"]
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    assert "app_home_opened" in settings["event_subscriptions"]["bot_events"]


def test_every_scope_is_explained_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for scope in _manifest()["oauth_config"]["scopes"]["bot"]:
        assert f"`{scope}`" in readme, f"README does not explain scope {scope}"


def test_the_messages_tab_is_read_only_since_the_bot_answers_no_typed_messages() -> None:
    app_home = _manifest()["features"]["app_home"]
    assert app_home["messages_tab_read_only_enabled"] is True
    events = _manifest()["settings"]["event_subscriptions"]["bot_events"]
    assert "message.im" not in events
