"""What participants ask by email and administrators do from the CLI: scheduling changes, availability
updates and out-of-office spans, each planned against both people's hours, confirmed, then applied.

- ``plan``: a request (from mail or the CLI) -> a change to confirm, a question, or alternatives.
- ``apply``: carry out a confirmed change on the calendar, the store and both people's mail.
- ``by_mail``: the email side (confirmation, answers, expiry); ``agent.requests_flow`` is its entry.
- ``absence``: out-of-office spans; ``overrides``: confirmed availability read over the roster.
"""
