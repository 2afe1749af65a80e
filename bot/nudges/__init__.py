"""Check-ins ("nudges"): planned from the database at an injected instant, sent through the
outbox in each person's working hours, at most one a day, re-checked just before sending.

``kinds``: what each check-in is and how important; ``hours``: working hours in a person's
own zone; ``planner``: what is due and who gets what today; ``sending``: the reason
checked again and the message rendered when the outbox sends it.
"""
