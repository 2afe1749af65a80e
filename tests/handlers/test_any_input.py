"""Whatever follows `/mentor`, the person gets an answer: never silence, never an error."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, select

from bot.context import Deps
from bot.offers import ensure_catalogue
from handlers.commands import SUBCOMMANDS, parse
from storage.models import Person
from tests.conftest import SIGNING_SECRET, Harness
from tests.dbstate import database_state
from tests.factories import make_person
from tests.fakeslack import Call, FakeSlack
from tests.inprocess import InProcessSender, in_process_app
from tests.mentors import NOW, offer
from tests.mrkdwn import foreign_markup

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
    harness.fake.settle(quiet=0.2)
    # The configured coordinators are named to people not in the directory.
    known = {"U0ALICE01", "U0BOB0001", "U0STRANGE", *harness.deps.settings.coordinators}
    assert foreign_markup(harness.fake.calls, known) == []


# --- generated `/mentor` text, dispatched in process ---------------------------------------

MENTEE, MENTOR, STRANGER = "U0ALICE01", "U0BOB0001", "U0STRANGE"
# Stored text people typed (a topic, an area, a title) that must never render live either.
SNEAKY_TOPIC = "Pitching <@U0EVIL001|boss> & <https://evil.example|click> <!here>"
# What a member may legitimately change: demand noted by find, a pause, a logged meeting.
# Everything else, and everything a stranger sends, must leave the database as it was.
WRITES = {"find", "pause", "resume", "met", "mute", "unmute"}

NASTY = [
    "<@U0BOB0001>",
    "<@U0BOB0001|bob>",
    "<@U0ALICE01|me>",
    "<@U0EVIL001|x>",
    "<@W0EVIL002>",
    "<!here>",
    "<!channel>",
    "<!everyone>",
    "<!subteam^S0TEAM001|@team>",
    "<!date^1700000000^{date}|x>",
    "<https://evil.example|click>",
    "<http://x|y>",
    "<mailto:a@b.c|mail>",
    "<#C0CHAN001|general>",
    "&lt;@U0EVIL001&gt;",
    "&amp;",
    "<",
    ">",
    "|",
    "9999-12-31",
    "0000-00-00",
    "2026-02-30",
    "2026-11-24",
    "1900-01-01",
    "99999999999999999999",
    "-1",
    "1e308",
    "NaN",
    "999 weeks",
    "100000 days",
    "for 3 weeks",
    "tomorrow",
    "\x00",
    "\u202e",
    "\ufeff",
    "🙂",
    "ß",
    "'; DROP TABLE person; --",
]

words = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=30),
    st.from_regex(r"[0-9]{1,25}", fullmatch=True),
)
mentions = st.sampled_from([w for w in NASTY if w.startswith(("<@", "<!", "<h"))])
arguments = st.one_of(
    st.lists(words, max_size=8).map(" ".join),
    # `ask` and `met` read a leading mention: known, unknown, broadcast or link.
    st.tuples(mentions, st.lists(words, max_size=4)).map(lambda t: " ".join([t[0], *t[1]])),
    st.text(max_size=300),
    st.builds(
        lambda piece, n: (piece * n)[:4000],
        st.sampled_from(["x", "<!here> ", "é"]),
        st.integers(1000, 4000),
    ),
)
subcommands = st.one_of(
    st.sampled_from(sorted(SUBCOMMANDS)),
    st.sampled_from(sorted(SUBCOMMANDS)).map(str.upper),
    st.sampled_from(["mute", "unmute", "advice", "", "nonsense"]),
)


@pytest.fixture
def dispatcher(deps: Deps, fake_slack: FakeSlack) -> InProcessSender:
    return in_process_app(deps, fake_slack, SIGNING_SECRET)


@pytest.fixture
def directory(session: Session) -> set[str]:
    """A mentee, a mentor whose stored texts carry markup, and a seeded catalogue."""
    make_person(session, MENTEE, area="Engineering", level=3, title="<!channel> lead")
    bob = make_person(session, MENTOR, area="R&D <!here>", level=4, title="<@U0EVIL001>")
    offer(session, bob, ("Presentations", SNEAKY_TOPIC))
    ensure_catalogue(session, now=NOW)  # seeded on first use; not what is under test
    session.commit()
    return {p.slack_id for p in session.exec(select(Person)).all()}


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@given(
    subcommand=subcommands,
    separator=st.sampled_from([" ", "  ", "\t", "\n"]),
    argument=arguments,
    user=st.sampled_from([MENTEE, MENTOR, STRANGER]),
)
def test_generated_mentor_text_gets_a_kind_answer_with_nothing_live_and_refusals_change_nothing(
    dispatcher: InProcessSender,
    directory: set[str],
    deps: Deps,
    fake_slack: FakeSlack,
    subcommand: str,
    separator: str,
    argument: str,
    user: str,
) -> None:
    command = (subcommand + separator + argument)[:4000]  # Slack's limit
    before = database_state(deps.engine)
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    fake_slack.clear()
    try:
        reply = dispatcher.command(command, user=user)
    finally:
        logging.getLogger().removeHandler(errors)
    calls = list(fake_slack.calls)

    assert reply.status == 200, reply.body
    assert not errors.records, [r.getMessage() for r in errors.records]
    assert any(c.method in ("response_url", "views.open") for c in calls), "silence"
    for call in calls:
        assert "something went wrong" not in str(call.params).lower()
    # Mentions only of people the directory knows (and the sender, and the configured
    # coordinators, named to people not in the directory): none from typed text.
    assert foreign_markup(calls, directory | {user} | deps.settings.coordinators) == []
    after = database_state(deps.engine)
    assert after[1] == "ok"
    if user == STRANGER or parse(command)[0] not in WRITES:
        assert after == before
