"""Acting from a message: the signed acknowledge and snooze links, their pages, and what they record.

- ``tokens``: signing and checking a link (HMAC-SHA256, standard library), and the CSRF token of its page.
- ``links``: the two links the planner puts on each of an adviser's own items.
- ``service``: what a link's page shows and what its button does, and every reason a link is refused.
- ``server``: the second HTTP listener that serves the pages (``[actions]`` settings; off unless set).
"""
