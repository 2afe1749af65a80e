"""Validate Block Kit the way Slack would: slack_sdk's models and the Block Kit JSON schema."""

from __future__ import annotations

import json
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

SPEC = Path(__file__).parent / "slack_spec"
MESSAGE_BLOCK_LIMIT = 50
# Newer blocks that slack_sdk 3.47 does not model yet; the JSON schema still checks them.
UNMODELLED_BLOCKS = {"data_visualization", "table", "data_table"}


@cache
def _validators() -> dict[str, Draft202012Validator]:
    schema = json.loads((SPEC / "slack-block-kit.schema.json").read_text())
    checker = Draft202012Validator.FORMAT_CHECKER
    registry: Registry[Any] = Registry().with_resource(
        schema["$id"], Resource.from_contents(schema)
    )

    def ref(name: str) -> Draft202012Validator:
        return Draft202012Validator(
            {"$ref": schema["$id"] + f"#/$defs/{name}"}, registry=registry, format_checker=checker
        )

    return {
        "blocks": Draft202012Validator(schema, format_checker=checker),
        "modal": ref("modal_view"),
        "home": ref("home_view"),
    }


def _schema_errors(validator: Draft202012Validator, payload: Any) -> list[str]:
    return [
        f"{e.message} [json-pointer:/{'/'.join(str(p) for p in e.absolute_path)}]"
        for e in sorted(validator.iter_errors(payload), key=lambda e: list(e.absolute_path))
    ]


def _model_errors(blocks: list[dict[str, Any]]) -> list[str]:
    errors: list[str] = []
    for index, raw in enumerate(blocks):
        if raw.get("type") in UNMODELLED_BLOCKS:
            continue
        parsed = Block.parse(raw)
        if parsed is None:
            errors.append(f"slack_sdk cannot parse block {index} of type {raw.get('type')!r}")
            continue
        try:
            parsed.validate_json()
            parsed.to_dict()
        except SlackObjectFormationError as exc:
            errors.append(f"block {index}: {exc}")
    return errors


def _unique_ids(blocks: list[dict[str, Any]]) -> list[str]:
    errors: list[str] = []
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    if len(block_ids) != len(set(block_ids)):
        errors.append(f"duplicate block_id in {block_ids}")
    for block in blocks:
        elements = block.get("elements", []) if block.get("type") == "actions" else []
        action_ids = [e["action_id"] for e in elements if "action_id" in e]
        if len(action_ids) != len(set(action_ids)):
            errors.append(f"duplicate action_id in one actions block: {action_ids}")
    return errors


def _native_rules(blocks: list[dict[str, Any]]) -> list[str]:
    """What Slack checks of charts and tables beyond the schema: at most two charts and one
    table a message; in a chart, unique series names and one point per category, in order."""
    errors: list[str] = []
    charts = [b for b in blocks if b.get("type") == "data_visualization"]
    tables = [b for b in blocks if b.get("type") in ("table", "data_table")]
    if len(charts) > 2:
        errors.append(f"{len(charts)} data_visualization blocks; Slack renders at most 2")
    if len(tables) > 1:
        errors.append(f"{len(tables)} tables; Slack allows one per message")
    for chart in charts:
        spec = chart.get("chart") or {}
        if spec.get("type") == "pie":
            continue
        categories = (spec.get("axis_config") or {}).get("categories") or []
        names = [s.get("name") for s in spec.get("series") or []]
        if len(names) != len(set(names)):
            errors.append(f"series names repeat: {names}")
        for series in spec.get("series") or []:
            labels = [point.get("label") for point in series.get("data") or []]
            if labels != categories:
                errors.append(f"series {series.get('name')!r} is not one point per category")
    return errors


def message_errors(blocks: list[dict[str, Any]]) -> list[str]:
    """Everything Slack would refuse in a message's ``blocks``."""
    return list(_message_errors(json.dumps(blocks, sort_keys=True)))


def view_errors(view: dict[str, Any]) -> list[str]:
    """Everything Slack would refuse in a modal or Home tab view."""
    return list(_view_errors(json.dumps(view, sort_keys=True)))


# Schema validation takes tens of milliseconds; generated-input tests send the same
# payload (help, a notice) hundreds of times, so each distinct payload is checked once.
@lru_cache(maxsize=4096)
def _message_errors(canonical: str) -> tuple[str, ...]:
    blocks = json.loads(canonical)
    errors = []
    if len(blocks) > MESSAGE_BLOCK_LIMIT:
        errors.append(f"{len(blocks)} blocks in a message; Slack allows {MESSAGE_BLOCK_LIMIT}")
    if blocks:
        errors += _schema_errors(_validators()["blocks"], blocks)
    errors += _native_rules(blocks)
    return (*errors, *_model_errors(blocks), *_unique_ids(blocks))


@lru_cache(maxsize=4096)
def _view_errors(canonical: str) -> tuple[str, ...]:
    view = json.loads(canonical)
    kind = "home" if view.get("type") == "home" else "modal"
    errors = _schema_errors(_validators()[kind], view)
    try:
        parsed = View(**view)
        parsed.validate_json()
        parsed.to_dict()
    except (SlackObjectFormationError, TypeError) as exc:
        errors.append(f"view: {exc}")
    blocks = view.get("blocks", [])
    return (*errors, *_model_errors(blocks), *_unique_ids(blocks))


def assert_valid_message(payload: dict[str, Any]) -> None:
    errors = message_errors(payload.get("blocks", []))
    assert not errors, errors


def assert_valid_view(view: dict[str, Any]) -> None:
    errors = view_errors(view)
    assert not errors, errors
