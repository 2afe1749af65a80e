"""What people typed is shown as typed: never a live @here, mention or disguised link."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from storage.models import MentorOffer, MetLog, Person
from tests.conftest import Harness
from tests.factories import make_person
from tests.mentors import offer
from tests.mrkdwn import foreign_markup, mrkdwn_texts

TRAP_TOPIC = "Pitching <@U0X|x> & <https://evil.example|click>"


def _known(session: Session) -> set[str]:
    return {p.slack_id for p in session.exec(select(Person)).all()}


def _answer_text(harness: Harness) -> str:
    call = harness.fake.last("response_url")
    return "\n".join(mrkdwn_texts(call.params, message=True))


@pytest.fixture
def alice_and_bob(session: Session) -> None:
    make_person(session, "U0ALICE01", area="Engineering", level=3)
    bob = make_person(session, "U0BOB0001", area="R&D <!here>", level=4, title="<!channel>")
    offer(session, bob, ("Presentations", TRAP_TOPIC))
    session.commit()


def test_find_shows_here_and_links_in_the_search_as_typed(
    harness: Harness, session: Session, alice_and_bob: None
) -> None:
    harness.slack.command("find <!here> <https://evil.example|click> <@U0X|x>", user="U0ALICE01")
    text = _answer_text(harness)
    assert "&lt;!here&gt;" in text
    assert "&lt;https://evil.example|click&gt;" in text
    assert foreign_markup(harness.fake.calls_to("response_url"), _known(session)) == []


def test_a_mentors_topic_and_area_with_markup_show_as_typed_in_find(
    harness: Harness, session: Session, alice_and_bob: None
) -> None:
    harness.slack.command("find pitching", user="U0ALICE01")
    text = _answer_text(harness)
    assert "<@U0BOB0001>" in text  # the mentor, as the bot mentions people
    assert "Pitching &lt;@U0X|x&gt; &amp; &lt;https://evil.example|click&gt;" in text
    assert "R&amp;D &lt;!here&gt;" in text
    assert foreign_markup(harness.fake.calls_to("response_url"), _known(session)) == []


def test_pause_with_a_broadcast_instead_of_a_date_echoes_it_inert_and_pauses_nothing(
    harness: Harness, session: Session, alice_and_bob: None
) -> None:
    harness.slack.command("pause <!channel> <!here>", user="U0BOB0001")
    text = _answer_text(harness)
    assert "couldn't read “&lt;!channel&gt; &lt;!here&gt;” as a date" in text
    assert foreign_markup(harness.fake.calls_to("response_url"), _known(session)) == []
    session.expire_all()
    stored = session.exec(select(MentorOffer)).one()
    assert not stored.paused and stored.paused_until is None


@pytest.mark.parametrize("command", ["ask <@U0EVIL001|boss> pitching", "met <@W0EVIL002> coffee"])
def test_ask_and_met_for_someone_not_in_the_directory_do_not_mention_them(
    harness: Harness, session: Session, alice_and_bob: None, command: str
) -> None:
    harness.slack.command(command, user="U0ALICE01")
    text = _answer_text(harness)
    assert "The person you mentioned isn't in the mentoring directory" in text
    assert "EVIL" not in json.dumps(harness.fake.last("response_url").params)
    assert session.exec(select(MetLog)).all() == []


def test_a_met_note_with_a_mention_and_a_link_reaches_the_other_person_inert(
    harness: Harness, session: Session, alice_and_bob: None
) -> None:
    harness.fake.add_user("U0BOB0001", "Bob Builder")
    harness.slack.command("met <@U0BOB0001|bob> ask <@U0EVIL001> <!here> <http://x|y>", "U0ALICE01")
    dm = harness.fake.last("chat.postMessage").params
    harness.fake.wait_for("views.publish", 2)  # both Home tabs refreshed: the work is done
    text = "\n".join(mrkdwn_texts(dm, message=True))
    assert "&lt;@U0EVIL001&gt; &lt;!here&gt; &lt;http://x|y&gt;" in text
    assert foreign_markup(harness.fake.calls, _known(session)) == []


def test_help_shows_its_placeholders_as_text_not_as_links(harness: Harness) -> None:
    harness.slack.command("help")
    text = _answer_text(harness)
    assert "`/mentor find &lt;topic&gt;`" in text
    assert foreign_markup(harness.fake.calls_to("response_url"), set()) == []
