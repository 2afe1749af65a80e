"""The manager's check-in: the team's screen, the pulse sent and answered, the notes
recorded (and their "what we'll try" line shared), the reminder switched.

Every use case decides who may act from the person acting and the database: the team is
always the actor's own, and a pulse answer is accepted only from someone it was sent to.
A report's answer refreshes nothing and tells the manager nothing: when someone answered
is not the manager's to know.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from bot import pulse
from bot import team as svc
from bot import team_overview as overview
from bot.blocks.team import (
    build_pulse_invitation,
    build_shared_try,
)
from bot.context import Deps
from bot.effects import Effect, dm, refresh_homes
from bot.usecase import Done, read, run


def view(deps: Deps, user: str) -> overview.TeamView:
    """What `/mentor team` shows ``user`` (``NotAManager`` for anyone without reports)."""
    now = deps.clock()
    return read(
        deps.open_session, lambda s: overview.team_view(s, user, settings=deps.settings, now=now)
    )


def send_pulse(deps: Deps, user: str) -> Done[pulse.SentPulse]:
    """Send ``user``'s team the pre-check-in pulse: a DM to each report, once."""
    now = deps.clock()

    def work(s: Session) -> tuple[pulse.SentPulse, tuple[Effect, ...]]:
        sent = pulse.send_pulse(s, user, settings=deps.settings, now=now)
        invitations = tuple(
            dm(
                f"pulse:{sent.pulse_id}:to:{report}",
                report,
                build_pulse_invitation(
                    sent.pulse_id,
                    user,
                    sent.closes_at,
                    min_group=deps.settings.min_group,
                    tz=zone,
                ),
            )
            for report, zone in sent.invitees
        )
        return sent, (*invitations, *refresh_homes(f"pulse:{sent.pulse_id}:sent", user))

    return run(deps.open_session, work, now=now)


def pulse_invitation(deps: Deps, pulse_id: int, user: str) -> pulse.PulseInvitation:
    """The pulse ``user`` may answer, with their answer so far (``PulseRefused`` if none)."""
    now = deps.clock()
    return read(
        deps.open_session,
        lambda s: pulse.pulse_invitation(s, pulse_id, user, settings=deps.settings, now=now),
    )


def answer_pulse(
    deps: Deps, pulse_id: int, user: str, form: pulse.PulseForm, *, claim: str | None
) -> Done[pulse.AnswerSaved]:
    """Save (or change) ``user``'s answer; no message, no refresh, to anyone."""
    now = deps.clock()

    def work(s: Session) -> tuple[pulse.AnswerSaved, tuple[Effect, ...]]:
        return pulse.answer_pulse(s, pulse_id, user, form, now=now), ()

    return run(deps.open_session, work, now=now, claim=claim)


def checkin_today(deps: Deps, user: str) -> date:
    """Today for ``user``, once it is clear they are a manager (for the notes modal)."""
    now = deps.clock()

    def check(s: Session) -> date:
        svc.team_of(s, user)
        return svc.manager_today(s, user, now)

    return read(deps.open_session, check)


def record_checkin(
    deps: Deps, user: str, form: svc.CheckinForm, *, claim: str | None
) -> Done[svc.CheckinRecorded]:
    """Record ``user``'s check-in; its pulse closes; the shared line goes to each report."""
    now = deps.clock()

    def work(s: Session) -> tuple[svc.CheckinRecorded, tuple[Effect, ...]]:
        recorded = svc.record_checkin(s, user, form, now=now)
        event = f"checkin:{recorded.checkin_id}"
        shared = build_shared_try(user, recorded.will_try, recorded.held_on)
        effects = tuple(
            dm(f"{event}:try:{report}", report, shared) for report in recorded.shared_with
        )
        return recorded, (*effects, *refresh_homes(event, user))

    return run(deps.open_session, work, now=now, claim=claim)


def set_reminder(
    deps: Deps, user: str, mode: str, *, event: str
) -> Done[tuple[svc.ReminderStatus, str | None]]:
    """The reminder's buttons: monthly again, stop, or snooze a month; the Home shows it.
    The value: the reminder now, and the manager's time zone (for its dates)."""
    now = deps.clock()

    def work(s: Session) -> tuple[tuple[svc.ReminderStatus, str | None], tuple[Effect, ...]]:
        status = svc.set_reminder(s, user, mode, now=now)
        zone = svc.team_of(s, user).tz
        return (status, zone), refresh_homes(f"checkin-reminder:{mode}:{event}", user)

    return run(deps.open_session, work, now=now)
