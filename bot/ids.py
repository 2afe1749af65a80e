"""Every action_id, callback_id and block_id, defined once.

Builders and ``register()`` functions import these; a string literal ID anywhere
else is a bug waiting to happen. Each issue keeps to its own section.
"""

from __future__ import annotations

from enum import StrEnum

SLASH_COMMAND = "/mentor"


class ActionId(StrEnum):
    """Buttons, selects and other interactive elements."""

    # --- directory, offers, matching (find / ask / offer / pause) ---
    REQUEST_CONVERSATION = "request_conversation"  # value: mentor's Slack user ID
    FIND_TOPIC = "find_topic"  # value: topic label
    FIND_SHOW_ANYWAY = "find_show_anyway"  # value: the search; mentors beyond the level gap
    FIND_MODAL_REQUEST = "find_modal_request"  # in the Home's results modal; as REQUEST_…
    SUPPORT_LINK = "support_link"  # the triage card's link button (acknowledged, no more)
    OFFER_EDIT = "offer_edit"  # opens the offer modal (Home tab, find prompt)
    OFFER_TOGGLE_PAUSE = "offer_toggle_pause"  # Home tab: pause or resume the offer

    # --- conversations (requests, sessions, follow-ups, sunset) ---
    ACCEPT_REQUEST = "accept_request"  # value: conversation id
    ASK_MORE_INFO = "ask_more_info"  # value: conversation id
    PASS_REQUEST = "pass_request"  # value: conversation id
    DECLINE_REQUEST = "decline_request"  # value: conversation id
    ANSWER_INFO = "answer_info"  # value: conversation id
    LOG_SESSION = "log_session"  # value: "cid:number" ("we met"), or a bare conversation id
    OPEN_AGENDA = "open_agenda"  # value: conversation id, or "cid:number" from the pair's card
    OPEN_FOLLOWUP = "open_followup"  # value: conversation id, or "cid:number" from the card
    ACTION_DONE = "action_done"  # value: action item id
    CLOSE_EARLY = "close_early"  # the old name of WRAP_UP: still in Slack history, still routed
    OPEN_SUNSET = "open_sunset"  # value: conversation id
    ADD_ACTION_ROW = "add_action_row"  # in the follow-up modal
    WITHDRAW_REQUEST = "withdraw_request"  # value: conversation id (the mentee)
    WITHDRAW_ASK_NEXT = "withdraw_ask_next"  # value: conversation id; then the next best
    WITHDRAW_MENU = "withdraw_menu"  # overflow: withdraw_option(conversation id, ask_next)
    WRAP_UP = "wrap_up"  # value: conversation id; ends it after one, two… conversations

    # --- connections, progress, App Home ---
    MET_CONFIRM = "met_confirm"  # value: met log id
    MET_DECLINE = "met_decline"  # value: met log id
    HOME_FIND_MENTOR = "home_find_mentor"  # opens the find modal from the Home
    HOME_TRANSITION = "home_transition"  # static select: a TransitionKind value
    HOME_TRANSITION_END = "home_transition_end"  # value: transition kind
    HOME_FIND_TOPIC_INPUT = "home_find_topic_input"  # the topic input in the find modal
    SHOW_PROGRESS = "show_progress"  # `/mentor help`, the Messages tab: your progress
    HOME_LEARNING = "home_learning"  # "I'd like to learn about…": opens its modal
    HOME_LEARNING_INPUT = "home_learning_input"  # the text input in that modal

    # --- managers: the team check-in, its pulse and reminder ---
    TEAM_SEND_PULSE = "team_send_pulse"  # value: "pulse"; the team is always the clicker's
    TEAM_RECORD_CHECKIN = "team_record_checkin"  # opens the check-in notes modal
    TEAM_REMIND_MONTHLY = "team_remind_monthly"  # the reminder on again
    TEAM_STOP_REMINDING = "team_stop_reminding"  # the reminder off
    TEAM_SNOOZE_REMINDER = "team_snooze_reminder"  # in the reminder DM: not for a month
    PULSE_ANSWER = "pulse_answer"  # value: pulse id (a report opens or edits their answer)
    # --- check-ins (nudges) ---
    NUDGE_OPEN_HOME = "nudge_open_home"  # the welcome's "Open the Home": publishes it
    HOME_MUTE_TOGGLE = "home_mute_toggle"  # value: "mute" or "unmute"
    # --- the coordinators' digest, advice, celebrations ---
    DIGEST_EXPORT = "digest_export"  # value: the week (YYYY-Www); coordinators only
    DIGEST_NUDGE = "digest_nudge"  # value: danger_sign_value(kind, object id)
    ADVICE_HANDLED = "advice_handled"  # value: advice request id; coordinators only
    CELEBRATE_ME = "celebrate_me"  # value: the goal reached (bot.celebrations.goal_key)


class CallbackId(StrEnum):
    """Modal ``callback_id``s."""

    # --- directory, offers, matching ---
    OFFER_MODAL = "offer_modal"

    # --- conversations ---
    REQUEST_MODAL = "request_modal"
    INFO_QUESTION_MODAL = "info_question_modal"
    INFO_ANSWER_MODAL = "info_answer_modal"
    PASS_MODAL = "pass_modal"
    DECLINE_MODAL = "decline_modal"
    CHOOSE_CONVERSATION_MODAL = "choose_conversation_modal"
    AGENDA_MODAL = "agenda_modal"
    FOLLOWUP_MODAL = "followup_modal"
    CLOSE_EARLY_MODAL = "close_early_modal"  # the old name of WRAP_UP_MODAL: still routed
    SUNSET_MODAL = "sunset_modal"
    CONVERSATION_NOTICE = "conversation_notice"  # a modal replaced by an explanation
    WRAP_UP_MODAL = "wrap_up_modal"

    # --- connections, progress, App Home ---
    HOME_FIND_MODAL = "home_find_modal"
    HOME_LEARNING_MODAL = "home_learning_modal"

    # --- people's own data ---
    FORGET_ME_MODAL = "forget_me_modal"

    # --- managers: the team check-in ---
    TEAM_CHECKIN_MODAL = "team_checkin_modal"
    PULSE_ANSWER_MODAL = "pulse_answer_modal"  # private_metadata: pulse id

    # --- the coordinators' digest, advice ---
    ADVICE_MODAL = "advice_modal"


class BlockId(StrEnum):
    """Input ``block_id``s (field errors are keyed by these)."""

    # --- directory, offers, matching ---
    # (each input element's action_id is its block_id)
    OFFER_TOPICS = "offer_topics"
    OFFER_NEW_TOPICS = "offer_new_topics"
    OFFER_HELP_WITH = "offer_help_with"
    OFFER_OUT_OF_SCOPE = "offer_out_of_scope"
    OFFER_CAPACITY = "offer_capacity"
    OFFER_REVERSE = "offer_reverse"
    OFFER_PAUSED_UNTIL = "offer_paused_until"

    # --- conversations ---
    # (each input element's action_id is its block_id)
    REQUEST_TOPIC = "request_topic"
    REQUEST_QUESTIONS = "request_questions"
    REQUEST_CONTEXT = "request_context"
    REQUEST_FORMAT = "request_format"
    INFO_QUESTION = "info_question"
    INFO_ANSWER = "info_answer"
    PASS_TO = "pass_to"
    DECLINE_REASON = "decline_reason"
    CHOOSE_CONVERSATION = "choose_conversation"
    AGENDA_QUESTIONS = "agenda_questions"
    SESSION_DATE = "session_date"
    SESSION_TIME = "session_time"
    OUTCOME_PREFIX = "outcome_"  # + agenda item position
    ACTION_TEXT_PREFIX = "action_text_"  # + row number
    ACTION_OWNER_PREFIX = "action_owner_"  # + row number
    ACTION_DUE_PREFIX = "action_due_"  # + row number
    CLOSE_NOTE = "close_note"
    KEEP_OPEN = "keep_open"
    USEFULNESS = "usefulness"
    COMMENT = "comment"

    # --- connections, progress, App Home ---
    HOME_FIND_TOPIC = "home_find_topic"
    HOME_TRANSITION = "home_transition"
    HOME_LEARNING = "home_learning"

    # --- managers: the team check-in ---
    # (each input element's action_id is its block_id)
    CHECKIN_HEARD = "checkin_heard"
    CHECKIN_TRY = "checkin_try"
    CHECKIN_DATE = "checkin_date"
    CHECKIN_SHARE = "checkin_share"
    PULSE_USAGE = "pulse_usage"
    PULSE_HOW = "pulse_how"
    PULSE_OBSTACLES = "pulse_obstacles"
    PULSE_IN_THE_WAY = "pulse_in_the_way"

    # --- people's own data ---
    FORGET_UNDERSTOOD = "forget_understood"
    # --- check-ins (nudges) ---
    HOME_MUTE = "home_mute"

    # --- the coordinators' digest, advice ---
    ADVICE_TEXT = "advice_text"


WITHDRAW_PREFIX, WITHDRAW_NEXT_PREFIX = "withdraw:", "next:"


def withdraw_option(conversation_id: int, *, ask_next: bool) -> str:
    """The value of a withdraw overflow option: which request, and whether to ask the next."""
    return f"{WITHDRAW_NEXT_PREFIX if ask_next else WITHDRAW_PREFIX}{conversation_id}"


def parse_withdraw_option(value: str) -> tuple[str, bool]:
    """(the conversation id as sent, ask next?); ("", False) for anything else."""
    for prefix, ask_next in ((WITHDRAW_PREFIX, False), (WITHDRAW_NEXT_PREFIX, True)):
        if value.startswith(prefix):
            return value[len(prefix) :], ask_next
    return "", False


def request_button_value(mentor_slack_id: str, topic: str | None = None) -> str:
    """The value of a "Request a conversation" button: the mentor, and the topic searched."""
    return f"{mentor_slack_id}|{topic[:200]}" if topic else mentor_slack_id


def parse_request_button_value(value: str) -> tuple[str, str | None]:
    mentor, _, topic = value.partition("|")
    return mentor, (topic or None)


def danger_sign_value(kind: str, object_id: int) -> str:
    """The value of a danger sign's nudge button: its kind and what it is about."""
    return f"{kind}:{object_id}"


def parse_danger_sign_value(value: str) -> tuple[str, str]:
    """(kind, the object ID as sent); ("", "") for anything else."""
    kind, sep, object_id = value.partition(":")
    return (kind, object_id) if sep else ("", "")
