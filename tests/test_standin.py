"""The Slack stand-in: its Web API against slack_sdk, and its signed deliveries against slack-bolt."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.sandbox.slack import SlackStandIn

TOKEN = "xoxb-standin-test"
SECRET = "standin-signing-secret"

PROPOSE_VIEW: dict[str, Any] = {
    "type": "modal",
    "callback_id": "propose",
    "private_metadata": "case-7",
    "title": {"type": "plain_text", "text": "Propose"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "summary",
            "label": {"type": "plain_text", "text": "Summary"},
            "element": {"type": "plain_text_input", "action_id": "summary_input"},
        }
    ],
}

CONFIRM_VIEW: dict[str, Any] = {
    "type": "modal",
    "callback_id": "confirm",
    "title": {"type": "plain_text", "text": "Confirm"},
    "submit": {"type": "plain_text", "text": "Yes"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Send the proposal?"}}],
}

APPROVE_BLOCKS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "Case 7 needs a decision"}},
    {
        "type": "actions",
        "block_id": "decision",
        "elements": [
            {
                "type": "button",
                "action_id": "approve",
                "text": {"type": "plain_text", "text": "Approve"},
                "value": "case-7",
            }
        ],
    },
]


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def summary_values(text: str) -> dict[str, Any]:
    return {"summary": {"summary_input": {"type": "plain_text_input", "value": text}}}


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn(token=TOKEN) as standin:
        standin.add_user("U0ALICE", "alice", email="alice@nasuwt.example")
        standin.add_user("U0BOB", "bob", email="bob@nasuwt.example")
        standin.add_user("U0GARY", "gary", email="gary@gmb.example", team="T0GMB")
        yield standin


@pytest.fixture
def client(slack: SlackStandIn) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=slack.base_url)


# ---------------------------------------------------------------- Web API


async def test_base_url_is_local_api_root(slack: SlackStandIn) -> None:
    assert slack.base_url.startswith("http://127.0.0.1:")
    assert slack.base_url.endswith("/api/")
    assert int(slack.base_url.split(":")[2].split("/")[0]) > 0


async def test_post_reply_and_update_are_recorded(slack: SlackStandIn, client: AsyncWebClient) -> None:
    created = await client.conversations_create(name="vws-case-7")
    channel = created["channel"]["id"]

    posted = await client.chat_postMessage(channel=channel, text="Case 7 opened", blocks=APPROVE_BLOCKS)
    reply = await client.chat_postMessage(channel=channel, text="First comment", thread_ts=posted["ts"])
    updated = await client.chat_update(channel=channel, ts=posted["ts"], text="Case 7 approved")

    assert posted["channel"] == channel
    assert reply["message"]["thread_ts"] == posted["ts"]
    assert updated["text"] == "Case 7 approved"

    top_level = slack.messages_in(channel)
    assert [m["text"] for m in top_level] == ["Case 7 approved"]
    assert top_level[0]["blocks"] == APPROVE_BLOCKS, "chat.update without blocks keeps the blocks"
    assert top_level[0]["reply_count"] == 1
    assert "edited" in top_level[0]
    assert [m["text"] for m in slack.thread(channel, posted["ts"])] == ["Case 7 approved", "First comment"]

    methods = [c.method for c in slack.calls()]
    assert methods == ["conversations.create", "chat.postMessage", "chat.postMessage", "chat.update"]
    second = slack.calls("chat.postMessage")[1]
    assert second.args["thread_ts"] == posted["ts"]
    assert second.args["text"] == "First comment"
    assert "token" not in second.args


async def test_history_and_replies_answer_like_slack(slack: SlackStandIn, client: AsyncWebClient) -> None:
    channel = (await client.conversations_create(name="history"))["channel"]["id"]
    first = await client.chat_postMessage(channel=channel, text="one")
    await client.chat_postMessage(channel=channel, text="two")
    await client.chat_postMessage(channel=channel, text="reply", thread_ts=first["ts"])

    page = await client.conversations_history(channel=channel, limit=1)
    assert [m["text"] for m in page["messages"]] == ["two"], "newest first"
    assert page["has_more"] is True
    rest = await client.conversations_history(
        channel=channel, cursor=page["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in rest["messages"]] == ["one"], "thread replies stay out of the history"

    replies = await client.conversations_replies(channel=channel, ts=first["ts"])
    assert [m["text"] for m in replies["messages"]] == ["one", "reply"]
    with pytest.raises(SlackApiError) as missing:
        await client.conversations_replies(channel=channel, ts="1.000001")
    assert missing.value.response["error"] == "thread_not_found"


async def test_dm_by_user_id_uses_a_stable_dm(slack: SlackStandIn, client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(channel="U0ALICE", text="You have a case to review")
    opened = await client.conversations_open(users="U0ALICE")
    again = await client.conversations_open(users=["U0ALICE"])

    assert posted["channel"].startswith("D")
    assert opened["channel"]["id"] == posted["channel"] == again["channel"]["id"]
    assert again["already_open"] is True
    assert posted["channel"] == slack.dm_channel("U0ALICE")
    assert [m["text"] for m in slack.dms_to("U0ALICE")] == ["You have a case to review"]
    assert slack.dms_to("U0BOB") == []

    with pytest.raises(SlackApiError) as unknown:
        await client.conversations_open(users="U0NOBODY")
    assert unknown.value.response["error"] == "user_not_found"


async def test_create_channel_enforces_names(client: AsyncWebClient) -> None:
    created = await client.conversations_create(name="nasuwt-gmb-case-7", is_private=True)
    assert created["channel"]["name"] == "nasuwt-gmb-case-7"
    assert created["channel"]["is_private"] is True
    assert created["channel"]["is_member"] is True

    for name, error in [
        ("nasuwt-gmb-case-7", "name_taken"),
        ("Case-7", "invalid_name_specials"),
        ("case 7", "invalid_name_specials"),
        ("x" * 81, "invalid_name_maxlength"),
        ("", "invalid_name_required"),
    ]:
        with pytest.raises(SlackApiError) as failed:
            await client.conversations_create(name=name)
        assert failed.value.response["error"] == error, name
    assert len("x" * 80) == 80
    assert (await client.conversations_create(name="x" * 80))["ok"] is True


async def test_invite_members_and_external_users(slack: SlackStandIn, client: AsyncWebClient) -> None:
    channel = (await client.conversations_create(name="case-8"))["channel"]["id"]

    invited = await client.conversations_invite(channel=channel, users=["U0ALICE", "U0BOB"])
    assert invited["ok"] is True
    assert slack.members(channel) == ["U0BOT", "U0ALICE", "U0BOB"]
    assert slack.calls("conversations.invite")[0].args["users"] == "U0ALICE,U0BOB"

    with pytest.raises(SlackApiError) as again:
        await client.conversations_invite(channel=channel, users="U0ALICE")
    assert again.value.response["error"] == "already_in_channel"

    with pytest.raises(SlackApiError) as external:
        await client.conversations_invite(channel=channel, users="U0GARY")
    assert external.value.response["error"] == "user_team_not_in_channel"

    with pytest.raises(SlackApiError) as missing:
        await client.conversations_invite(channel="C0MISSING", users="U0ALICE")
    assert missing.value.response["error"] == "channel_not_found"

    members = await client.conversations_members(channel=channel)
    assert members["members"] == ["U0BOT", "U0ALICE", "U0BOB"]


async def test_invite_shared_records_an_invitation_to_another_organisation(
    slack: SlackStandIn, client: AsyncWebClient
) -> None:
    channel = (await client.conversations_create(name="nasuwt-gmb"))["channel"]["id"]

    with pytest.raises(SlackApiError) as unknown_email:
        await client.users_lookupByEmail(email="gary@gmb.example")
    assert unknown_email.value.response["error"] == "users_not_found"

    shared = await client.conversations_inviteShared(channel=channel, emails="gary@gmb.example")
    assert shared["invite_id"]

    (invitation,) = slack.invitations(channel)
    assert invitation.id == shared["invite_id"]
    assert invitation.emails == ["gary@gmb.example"]
    assert invitation.accepted_by is None
    assert slack.calls("conversations.inviteShared")[0].args["emails"] == "gary@gmb.example"
    assert (await client.conversations_info(channel=channel))["channel"]["is_pending_ext_shared"] is True

    slack.accept_invitation(invitation.id)
    info = (await client.conversations_info(channel=channel))["channel"]
    assert info["is_ext_shared"] is True
    assert "T0GMB" in info["shared_team_ids"]
    assert "U0GARY" in slack.members(channel)
    found = await client.users_lookupByEmail(email="gary@gmb.example")
    assert found["user"]["team_id"] == "T0GMB"

    with pytest.raises(SlackApiError) as two_at_once:
        await client.conversations_inviteShared(
            channel=channel, emails=["a@unison.example", "b@unison.example"]
        )
    assert two_at_once.value.response["error"] == "invalid_arguments"


async def test_users_info_and_lookup(client: AsyncWebClient) -> None:
    alice = await client.users_info(user="U0ALICE")
    assert alice["user"]["name"] == "alice"
    assert alice["user"]["profile"]["email"] == "alice@nasuwt.example"
    by_email = await client.users_lookupByEmail(email="ALICE@nasuwt.example")
    assert by_email["user"]["id"] == "U0ALICE"
    with pytest.raises(SlackApiError) as missing:
        await client.users_info(user="U0NOBODY")
    assert missing.value.response["error"] == "user_not_found"


async def test_auth_errors_and_unknown_methods(slack: SlackStandIn, client: AsyncWebClient) -> None:
    assert (await client.auth_test())["user_id"] == slack.bot_user_id

    stranger = AsyncWebClient(token="xoxb-not-given", base_url=slack.base_url)
    with pytest.raises(SlackApiError) as bad_token:
        await stranger.auth_test()
    assert bad_token.value.response["error"] == "invalid_auth"

    anonymous = AsyncWebClient(base_url=slack.base_url)
    with pytest.raises(SlackApiError) as no_token:
        await anonymous.chat_postMessage(channel="U0ALICE", text="hi")
    assert no_token.value.response["error"] == "not_authed"
    assert slack.dms_to("U0ALICE") == []

    with pytest.raises(SlackApiError) as unknown:
        await client.api_call("chat.teleport")
    assert unknown.value.response["error"] == "unknown_method"


async def test_form_encoded_bodies_are_understood(slack: SlackStandIn, client: AsyncWebClient) -> None:
    response = await client.api_call(
        "chat.postMessage",
        data={"channel": "U0BOB", "text": "form", "blocks": json.dumps(APPROVE_BLOCKS)},
    )
    assert response["ok"] is True
    (message,) = slack.dms_to("U0BOB")
    assert message["text"] == "form"
    assert message["blocks"] == APPROVE_BLOCKS


async def test_ephemeral_and_delete(slack: SlackStandIn, client: AsyncWebClient) -> None:
    channel = (await client.conversations_create(name="case-9"))["channel"]["id"]
    await client.conversations_invite(channel=channel, users="U0ALICE")

    sent = await client.chat_postEphemeral(channel=channel, user="U0ALICE", text="Only you can see this")
    assert sent["message_ts"]
    assert [e["text"] for e in slack.ephemerals("U0ALICE")] == ["Only you can see this"]
    assert slack.messages_in(channel) == []
    with pytest.raises(SlackApiError) as outsider:
        await client.chat_postEphemeral(channel=channel, user="U0BOB", text="no")
    assert outsider.value.response["error"] == "user_not_in_channel"

    posted = await client.chat_postMessage(channel=channel, text="to delete")
    await client.chat_delete(channel=channel, ts=posted["ts"])
    assert slack.messages_in(channel) == []
    with pytest.raises(SlackApiError) as gone:
        await client.chat_update(channel=channel, ts=posted["ts"], text="too late")
    assert gone.value.response["error"] == "message_not_found"


async def test_views_open_needs_a_fresh_trigger() -> None:
    clock = FakeClock()
    async with SlackStandIn(token=TOKEN, now=clock) as slack:
        slack.add_user("U0ALICE", "alice")
        client = AsyncWebClient(token=TOKEN, base_url=slack.base_url)

        fresh = slack.issue_trigger("U0ALICE")
        opened = await client.views_open(trigger_id=fresh, view=PROPOSE_VIEW)
        assert opened["view"]["callback_id"] == "propose"
        assert opened["view"]["private_metadata"] == "case-7"
        assert [v["id"] for v in slack.open_views("U0ALICE")] == [opened["view"]["id"]]

        with pytest.raises(SlackApiError) as reused:
            await client.views_open(trigger_id=fresh, view=PROPOSE_VIEW)
        assert reused.value.response["error"] == "exchanged_trigger_id"

        stale = slack.issue_trigger("U0ALICE")
        clock.advance(3.5)
        with pytest.raises(SlackApiError) as expired:
            await client.views_open(trigger_id=stale, view=PROPOSE_VIEW)
        assert expired.value.response["error"] == "expired_trigger_id"

        with pytest.raises(SlackApiError) as invented:
            await client.views_open(trigger_id="123.456.abc", view=PROPOSE_VIEW)
        assert invented.value.response["error"] == "invalid_trigger_id"

        just_in_time = slack.issue_trigger("U0ALICE")
        clock.advance(2.9)
        assert (await client.views_open(trigger_id=just_in_time, view=PROPOSE_VIEW))["ok"] is True


async def test_views_update_push_and_publish(slack: SlackStandIn, client: AsyncWebClient) -> None:
    opened = (await client.views_open(trigger_id=slack.issue_trigger("U0ALICE"), view=PROPOSE_VIEW))["view"]

    retitled = {**PROPOSE_VIEW, "title": {"type": "plain_text", "text": "Propose (2)"}}
    updated = (await client.views_update(view_id=opened["id"], hash=opened["hash"], view=retitled))["view"]
    assert updated["id"] == opened["id"]
    assert updated["hash"] != opened["hash"]
    with pytest.raises(SlackApiError) as conflict:
        await client.views_update(view_id=opened["id"], hash=opened["hash"], view=retitled)
    assert conflict.value.response["error"] == "hash_conflict"

    pushed = (await client.views_push(trigger_id=slack.issue_trigger("U0ALICE"), view=PROPOSE_VIEW))["view"]
    assert pushed["root_view_id"] == opened["id"]
    assert [v["id"] for v in slack.open_views("U0ALICE")] == [opened["id"], pushed["id"]]

    too_long = {**PROPOSE_VIEW, "title": {"type": "plain_text", "text": "A title far longer than allowed"}}
    with pytest.raises(SlackApiError) as invalid:
        await client.views_open(trigger_id=slack.issue_trigger("U0ALICE"), view=too_long)
    assert invalid.value.response["error"] == "invalid_arguments"

    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "No cases"}}]}
    first = (await client.views_publish(user_id="U0BOB", view=home))["view"]
    second = (await client.views_publish(user_id="U0BOB", view=home))["view"]
    assert first["id"] == second["id"]
    published = slack.home_view("U0BOB")
    assert published is not None
    assert published["blocks"] == home["blocks"]
    assert slack.home_view("U0ALICE") is None


async def test_rate_limit_is_retried_by_slack_sdk(slack: SlackStandIn) -> None:
    client = AsyncWebClient(
        token=TOKEN,
        base_url=slack.base_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    # Without the header slack_sdk waits 1 + random() < 2 seconds, so a 2-second gap proves it was read.
    slack.fail_next("chat.postMessage", status=429, retry_after=2)

    posted = await client.chat_postMessage(channel="U0ALICE", text="after a pause")

    assert posted["ok"] is True
    first, second = slack.calls("chat.postMessage")
    assert (first.status, first.response["error"]) == (429, "ratelimited")
    assert second.ok
    assert second.at - first.at >= 2.0, "slack_sdk waited for Retry-After"
    assert [m["text"] for m in slack.dms_to("U0ALICE")] == ["after a pause"]


async def test_injected_error_body_fails_once(slack: SlackStandIn, client: AsyncWebClient) -> None:
    slack.fail_next("conversations.create", error="restricted_action")
    with pytest.raises(SlackApiError) as failed:
        await client.conversations_create(name="case-10")
    assert failed.value.response["error"] == "restricted_action"
    assert (await client.conversations_create(name="case-10"))["ok"] is True


# ---------------------------------------------------------------- signed delivery to a bolt app


class BoltBot:
    """A tiny slack-bolt app served over aiohttp, remembering what it saw."""

    def __init__(self, slack: SlackStandIn) -> None:
        self.retry_headers: list[tuple[str, str | None]] = []
        self.app = AsyncApp(
            signing_secret=SECRET,
            client=AsyncWebClient(token=TOKEN, base_url=slack.base_url),
        )
        app = self.app

        @app.command("/vws")
        async def on_vws(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
            await ack()
            await client.views_open(trigger_id=body["trigger_id"], view=PROPOSE_VIEW)

        @app.command("/vws-help")
        async def on_help(ack: Any) -> None:
            await ack("Try /vws propose")

        @app.action("approve")
        async def on_approve(ack: Any, respond: Any) -> None:
            await ack()
            await respond(text="Approved by you", replace_original=True)

        @app.view("propose")
        async def on_propose(ack: Any, view: dict[str, Any]) -> None:
            summary = view["state"]["values"]["summary"]["summary_input"]["value"]
            if summary == "confirm first":
                await ack(response_action="push", view=CONFIRM_VIEW)
            elif len(summary) < 10:
                await ack(response_action="errors", errors={"summary": "Please write at least 10 characters"})
            else:
                await ack()

        @app.view("confirm")
        async def on_confirm(ack: Any) -> None:
            await ack(response_action="clear")

        @app.event("message")
        async def on_message(body: dict[str, Any], request: AsyncBoltRequest, say: Any) -> None:
            self.retry_headers.append((body["event_id"], request.headers.get("x-slack-retry-num", [None])[0]))
            await say(f"Noted: {body['event']['text']}")

        @app.event("app_home_opened")
        async def on_home(event: dict[str, Any], client: AsyncWebClient) -> None:
            await client.views_publish(
                user_id=event["user"],
                view={
                    "type": "home",
                    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
                },
            )

    async def handle(self, request: web.Request) -> web.Response:
        return await to_aiohttp_response(await self.app.async_dispatch(await to_bolt_request(request)))


@pytest.fixture
async def bot(slack: SlackStandIn) -> AsyncIterator[BoltBot]:
    bolt_bot = BoltBot(slack)
    server = web.Application()
    server.router.add_post("/slack/events", bolt_bot.handle)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    slack.connect(f"http://127.0.0.1:{port}/slack/events", SECRET)
    yield bolt_bot
    await runner.cleanup()


async def test_slash_command_is_accepted_and_opens_a_view(slack: SlackStandIn, bot: BoltBot) -> None:
    delivered = await slack.slash_command("U0ALICE", "propose")

    assert delivered.status == 200
    assert delivered.problems == []
    assert delivered.payload["channel_id"] == slack.dm_channel("U0ALICE")
    assert delivered.payload["response_url"].startswith(slack.root_url + "response/")
    (call,) = await slack.wait_for("views.open")
    assert call.ok
    assert call.args["trigger_id"] == delivered.trigger_id
    (view,) = slack.open_views("U0ALICE")
    assert view["callback_id"] == "propose"
    assert slack.calls("auth.test"), "bolt checked its token against the stand-in"


async def test_slash_command_ack_text_becomes_an_ephemeral(slack: SlackStandIn, bot: BoltBot) -> None:
    delivered = await slack.slash_command("U0BOB", "", command="/vws-help")
    assert delivered.status == 200
    assert [e["text"] for e in slack.ephemerals("U0BOB")] == ["Try /vws propose"]


async def test_view_submission_field_errors_then_close(slack: SlackStandIn, bot: BoltBot) -> None:
    await slack.slash_command("U0ALICE", "propose")
    await slack.wait_for("views.open")
    (view,) = slack.open_views("U0ALICE")

    rejected = await slack.view_submission("U0ALICE", view["id"], summary_values("short"))
    assert rejected.status == 200
    assert rejected.json() == {
        "response_action": "errors",
        "errors": {"summary": "Please write at least 10 characters"},
    }
    assert rejected.payload["view"]["callback_id"] == "propose"
    assert rejected.payload["view"]["private_metadata"] == "case-7"
    assert rejected.payload["view"]["hash"] == view["hash"]
    assert rejected.problems == []
    assert [v["id"] for v in slack.open_views("U0ALICE")] == [view["id"]], "errors keep the modal open"

    accepted = await slack.view_submission(
        "U0ALICE", view["id"], summary_values("A proper summary of case 7")
    )
    assert accepted.status == 200
    assert slack.open_views("U0ALICE") == [], "an empty ack closes the modal"


async def test_block_action_reply_replaces_the_original_message(
    slack: SlackStandIn, bot: BoltBot, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(
        channel="U0ALICE", text="Case 7 needs a decision", blocks=APPROVE_BLOCKS
    )
    (message,) = slack.dms_to("U0ALICE")

    delivered = await slack.block_action("U0ALICE", "approve", message=message)

    assert delivered.status == 200
    (action,) = delivered.payload["actions"]
    assert (action["type"], action["block_id"], action["value"]) == ("button", "decision", "case-7")
    assert delivered.payload["container"]["message_ts"] == posted["ts"]
    await slack.wait_for("response_url")
    (replaced,) = slack.dms_to("U0ALICE")
    assert replaced["ts"] == posted["ts"]
    assert replaced["text"] == "Approved by you"
    assert slack.calls("response_url")[0].args["replace_original"] is True


async def test_bad_signatures_and_stale_timestamps_are_rejected(slack: SlackStandIn, bot: BoltBot) -> None:
    body = urlencode(
        {
            "command": "/vws-help",
            "text": "",
            "user_id": "U0ALICE",
            "team_id": slack.team_id,
            "trigger_id": "1.2.3",
        }
    ).encode()

    good = await slack.deliver_raw(body, slack.signed_headers(body))
    assert good.status == 200, "the same body, correctly signed, is accepted"

    forged = slack.signed_headers(body)
    forged["X-Slack-Signature"] = "v0=" + "0" * 64
    assert (await slack.deliver_raw(body, forged)).status == 401

    other_secret = SlackStandIn(signing_secret="not-the-bot-secret")
    assert (await slack.deliver_raw(body, other_secret.signed_headers(body))).status == 401

    stale = slack.signed_headers(body, timestamp=int(time.time()) - 6 * 60)
    assert (await slack.deliver_raw(body, stale)).status == 401

    tampered = await slack.deliver_raw(body + b"&extra=1", slack.signed_headers(body))
    assert tampered.status == 401

    unstamped = slack.signed_headers(body)
    del unstamped["X-Slack-Request-Timestamp"]
    assert (await slack.deliver_raw(body, unstamped)).status == 401

    # slack-bolt 1.30 raises on a non-numeric timestamp (HTTP 500): rejected, though not with 401.
    garbled = slack.signed_headers(body)
    garbled["X-Slack-Request-Timestamp"] = "yesterday"
    rejected = await slack.deliver_raw(body, garbled)
    assert rejected.status >= 400
    assert rejected.problems == [f"the bot answered HTTP {rejected.status}"]


async def test_message_event_and_its_retry(slack: SlackStandIn, bot: BoltBot) -> None:
    channel = slack.add_channel("nasuwt-reps", members=["U0ALICE"])

    first = await slack.message_event("U0ALICE", channel, "Meeting moved to Tuesday")
    retried = await slack.message_event("U0ALICE", channel, "Meeting moved to Tuesday", retry_num=1)

    assert (first.status, retried.status) == (200, 200)
    assert first.event_id is not None
    assert retried.event_id == first.event_id
    assert retried.request_body == first.request_body
    assert first.payload["event"]["channel_type"] == "channel"
    await slack.wait_for("chat.postMessage", count=2)
    assert bot.retry_headers == [(first.event_id, None), (first.event_id, "1")]
    user_messages = [m["text"] for m in slack.messages_in(channel) if m["user"] == "U0ALICE"]
    assert user_messages == ["Meeting moved to Tuesday"], "a retry is not a second message"


async def test_app_home_opened_lets_the_bot_publish(slack: SlackStandIn, bot: BoltBot) -> None:
    delivered = await slack.app_home_opened("U0BOB")
    assert delivered.status == 200
    await slack.wait_for("views.publish")
    home = slack.home_view("U0BOB")
    assert home is not None
    assert home["type"] == "home"


async def test_view_submission_push_then_clear(slack: SlackStandIn, bot: BoltBot) -> None:
    await slack.slash_command("U0ALICE", "propose")
    await slack.wait_for("views.open")
    (proposal,) = slack.open_views("U0ALICE")

    pushed = await slack.view_submission("U0ALICE", proposal["id"], summary_values("confirm first"))
    assert pushed.problems == []
    bottom, top = slack.open_views("U0ALICE")
    assert bottom["id"] == proposal["id"]
    assert bottom["state"]["values"] == summary_values("confirm first")
    assert (top["callback_id"], top["root_view_id"], top["previous_view_id"]) == (
        "confirm",
        proposal["id"],
        proposal["id"],
    )

    with pytest.raises(ValueError):
        await slack.view_submission("U0ALICE", proposal["id"], summary_values("not on top"))

    cleared = await slack.view_submission("U0ALICE", top["id"], {})
    assert cleared.json() == {"response_action": "clear"}
    assert slack.open_views("U0ALICE") == []


async def test_response_url_posts_ephemeral_in_channel_and_deletes(
    slack: SlackStandIn, bot: BoltBot, client: AsyncWebClient
) -> None:
    channel = slack.add_channel("unison-branch", members=["U0ALICE", "U0BOB"])
    posted = await client.chat_postMessage(channel=channel, text="Case 7", blocks=APPROVE_BLOCKS)
    delivered = await slack.block_action("U0ALICE", "approve", message=posted["ts"], channel=channel)
    await slack.wait_for("response_url")  # the bot's own reply: replace_original
    hook = AsyncWebhookClient(delivered.payload["response_url"])

    assert (await hook.send(text="Only for you")).status_code == 200
    assert [e["text"] for e in slack.ephemerals("U0ALICE", channel)] == ["Only for you"]
    assert slack.ephemerals("U0BOB") == []

    assert (await hook.send(text="For everyone", response_type="in_channel")).status_code == 200
    assert [m["text"] for m in slack.messages_in(channel)] == ["Approved by you", "For everyone"]

    assert (await hook.send_dict({"delete_original": True})).status_code == 200
    assert [m["text"] for m in slack.messages_in(channel)] == ["For everyone"]

    assert (await hook.send(text="fifth use")).status_code == 200
    used_up = await hook.send(text="sixth use")
    assert used_up.status_code == 404
    assert [c.status for c in slack.calls("response_url")] == [200, 200, 200, 200, 200, 404]


async def test_unreachable_bot_is_reported_not_raised(slack: SlackStandIn) -> None:
    slack.connect("http://127.0.0.1:1/slack/events", SECRET)
    delivered = await slack.slash_command("U0ALICE", "propose")
    assert delivered.status == 0
    assert delivered.problems == ["the bot could not be reached"]


# ---------------------------------------------------------------- helpers for the sandbox page


async def test_revision_grows_and_wakes_a_waiter(slack: SlackStandIn, client: AsyncWebClient) -> None:
    seen = slack.revision
    waiter = asyncio.ensure_future(slack.wait_for_change(seen, within=2.0))
    await asyncio.sleep(0)
    await client.chat_postMessage(channel="U0ALICE", text="hello")
    assert await waiter > seen
    again = slack.revision
    slack.post_as_user("U0ALICE", "U0ALICE", "hi back")
    assert slack.revision > again
    assert await slack.wait_for_change(slack.revision, within=0.05) == slack.revision


async def test_stopping_wakes_pending_long_polls_at_once() -> None:
    slack = await SlackStandIn(token=TOKEN).start()
    seen = slack.revision
    waiters = [asyncio.ensure_future(slack.wait_for_change(seen, within=25.0)) for _ in range(3)]
    await asyncio.sleep(0.05)
    assert not any(w.done() for w in waiters)
    await slack.stop()
    _, pending = await asyncio.wait(waiters, timeout=1.0)
    for waiter in pending:
        waiter.cancel()
    assert not pending, "a long poll kept waiting after stop()"
    assert [w.result() for w in waiters] == [seen] * 3
    # and one that starts after stop() answers at once too
    assert await asyncio.wait_for(slack.wait_for_change(seen, within=25.0), 1.0) == seen


async def test_conversations_for_lists_what_a_person_can_see(
    slack: SlackStandIn, client: AsyncWebClient
) -> None:
    general = slack.add_channel("general", members=["U0ALICE", "U0BOB"])
    slack.add_channel("secret", members=["U0BOB"], is_private=True)
    await client.chat_postMessage(channel="U0ALICE", text="hello")
    seen = slack.conversations_for("U0ALICE")
    assert [c["id"] for c in seen] == ["DU0ALICE", general]
    assert [c["kind"] for c in seen] == ["im", "channel"]
    assert "U0ALICE" in seen[1]["members"]
    assert {p["id"] for p in slack.people()} >= {"U0ALICE", "U0BOB", "U0GARY", slack.bot_user_id}


async def test_close_view_removes_the_modal_and_tells_the_bot_when_asked(
    slack: SlackStandIn, bot: BoltBot
) -> None:
    await slack.slash_command("U0ALICE", "propose")
    await slack.wait_for("views.open")
    view_id = slack.open_views("U0ALICE")[0]["id"]
    assert await slack.close_view("U0ALICE") is None
    assert slack.open_views("U0ALICE") == []
    with pytest.raises(ValueError):
        await slack.close_view("U0ALICE", view_id)


async def test_export_and_import_state_keep_the_workspace(
    slack: SlackStandIn, client: AsyncWebClient
) -> None:
    channel = slack.add_channel("vws-oakfield", members=["U0ALICE"])
    root = await client.chat_postMessage(channel=channel, text="root")
    await client.chat_postMessage(channel=channel, text="reply", thread_ts=root["ts"])
    await client.views_publish(user_id="U0ALICE", view={"type": "home", "blocks": []})
    state = json.loads(json.dumps(slack.export_state()))

    async with SlackStandIn(token=TOKEN) as again:
        again.import_state(state)
        assert [m["text"] for m in again.thread(channel, root["ts"])] == ["root", "reply"]
        assert again.thread(channel, root["ts"])[0]["reply_count"] == 1
        assert again.home_view("U0ALICE") is not None
        later = await AsyncWebClient(token=TOKEN, base_url=again.base_url).chat_postMessage(
            channel=channel, text="later"
        )
        assert float(later["ts"]) > float(root["ts"])
        made = await AsyncWebClient(token=TOKEN, base_url=again.base_url).conversations_create(name="new")
        assert made["channel"]["id"] != channel
        with pytest.raises(ValueError):
            again.import_state({"version": 99})
