"""A local stand-in for Slack, for end-to-end tests and the browser sandbox (``vws sandbox``).

It plays both halves of Slack for a bot built on slack-bolt's ``AsyncApp`` in HTTP mode,
on 127.0.0.1, with nothing leaving the machine:

* **Web API.** ``POST /api/<method>`` (GET works too, as slack_sdk uses it for some methods)
  over an in-memory workspace: users, channels, DMs, messages and threads, ephemeral
  messages, modal view stacks and App Home. Answers use Slack's response shapes and error
  names, so ``AsyncWebClient(base_url=standin.base_url)`` works unchanged. Every call is
  recorded in order so tests can assert on what the bot did, and failures (HTTP 429 with
  ``Retry-After``, or ``{"ok": false, "error": ...}``) can be injected.
* **Delivery.** Slash commands, block actions, view submissions and Events API callbacks
  POSTed to the bot's events URL exactly as Slack sends them, signed with the bot's signing
  secret; their ``trigger_id`` and ``response_url`` point back here, and the bot's replies
  (``response_action``, ``response_url`` posts) are applied to the workspace.

The clock (``now``) is injectable, so a sandbox can move time: it drives message
timestamps, trigger expiry (3 seconds) and, unless ``signing_now`` is given, the request
timestamps the bot verifies.

Usage::

    async with SlackStandIn(token="xoxb-test") as slack:
        slack.add_user("U0ALICE", "alice", email="alice@example.org")
        app = AsyncApp(client=AsyncWebClient(token="xoxb-test", base_url=slack.base_url), ...)
        ...  # serve the app, then:
        slack.connect("http://127.0.0.1:3000/slack/events", signing_secret)
        await slack.slash_command("U0ALICE", "propose")
        await slack.wait_for("views.open")

The parts, one concern to a module, make up :class:`SlackStandIn` as a chain of classes:

* ``model``: :class:`Call`, :class:`Delivery`, :class:`Invitation`, the workspace's records,
  Slack's limits and small helpers;
* ``base``: the attributes every part shares (declared with their types) and the helpers over
  them (messages, people and conversations as Slack shows them, ids and timestamps);
* ``workspace``: setting up and inspecting the workspace, its revision, saving and restoring it,
  injecting failures;
* ``views``: ``views.open``, ``views.push``, ``views.update``, ``views.publish``, their checks,
  triggers and modal stacks;
* ``webapi``: ``/api/<method>`` and the ``auth.``, ``users.``, ``conversations.`` and ``chat.``
  methods;
* ``events``: signing and delivering what people do to the bot, and applying its replies
  (``response_action``, ``response_url``);
* ``standin``: :class:`SlackStandIn` itself, its constructor and lifecycle.

Nothing here logs request bodies or tokens.
"""

from bot.sandbox.slack.model import Call, Delivery, Invitation
from bot.sandbox.slack.standin import SlackStandIn

__all__ = ["Call", "Delivery", "Invitation", "SlackStandIn"]
