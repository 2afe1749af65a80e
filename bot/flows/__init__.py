"""The use cases of a mentoring conversation, one module per stage.

Each public function is one use case: one transaction (``bot.usecase.run``) that changes
state through ``bot.conversations`` and writes what it owes Slack (``bot.effects``) to
the outbox with it, keyed by the business event. Handlers call one and deliver its rows.
"""
