"""Whatever follows `/mentor`, the person gets an answer: never silence, never an error."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from handlers.commands import SUBCOMMANDS
from tests.conftest import Harness
from tests.factories import make_person
from tests.fakeslack import Call

ODD_ARGUMENTS = [
    "",
    "<@U0NOPE001>",
    "<@U0ALICE01|alice>",
    "<@U0BOB0001> <@U0ALICE01>",
    "@bob",
    "<!channel>",
    "<#C0CHAN001|general>",
    "2026-13-45",
    "yesterday",
    "x" * 4000,
    "'; DROP TABLE person; --",
    "<script>&amp;&lt;",
    "🙂 émoji ünïcode",
    "\n\n\t",
]


@pytest.mark.parametrize("subcommand", [*SUBCOMMANDS, "nonsense"])
def test_every_subcommand_answers_odd_text_from_members_and_strangers(
    harness: Harness, session: Session, subcommand: str
) -> None:
    make_person(session, "U0ALICE01", area="Engineering")
    make_person(session, "U0BOB0001", area="Sales")
    session.commit()
    for index, argument in enumerate(ODD_ARGUMENTS):
        user = "U0ALICE01" if index % 2 else "U0STRANGE"  # in the directory, or not
        name, trigger = f"odd{index}", f"{index}.999.odd"

        def answers_this(call: Call, name: str = name, trigger: str = trigger) -> bool:
            return call.path.endswith(f"/{name}") or call.params.get("trigger_id") == trigger

        reply = harness.slack.command(
            f"{subcommand} {argument}", user=user, response_name=name, trigger_id=trigger
        )
        assert reply.status == 200, (subcommand, argument, reply.body)
        # An ephemeral answer, or a modal opened for the person: never silence.
        harness.fake.wait_for(("response_url", "views.open"), where=answers_this)
    for call in harness.fake.calls_to("response_url"):
        assert "something went wrong" not in str(call.params).lower(), (subcommand, call.params)
