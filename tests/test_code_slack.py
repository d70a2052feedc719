"""The Best Value Code in Slack, through signed requests into the bolt app and the Slack stand-in:
start an adoption, mark clauses by form and by thread reply, settle them branch by branch, submit
(refused while a clause is open), and the Code as adopted as text and as a Word file."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest

from tests.code_fixtures import CODE_DIRECTORY, agree_all
from tests.conftest import Clock
from tests.slack_harness import SlackWorld, buttons, start_world, stop_world, text_of

CHANNEL = "vws-code-leeds-city-council"


@pytest.fixture
async def world(db_url: str, clock: Clock) -> AsyncIterator[SlackWorld]:
    w = await start_world(db_url, clock, CODE_DIRECTORY)
    yield w
    await stop_world(w)


async def start(world: SlackWorld) -> str:
    await world.command("U0GMB1", "code start")
    view = world.top_view("U0GMB1")
    assert view["callback_id"] == "vws:code_start"
    branches = next(b for b in view["blocks"] if b.get("block_id") == "branches")
    assert branches["element"]["type"] == "checkboxes"
    sub = await world.submit("U0GMB1", employer_name="Leeds City Council", employer_kind="local_authority",
                             association="Leeds")  # fmt: skip
    assert sub.status == 200 and not sub.body, sub.body
    return world.slack.channel_id(CHANNEL)


def section_post(world: SlackWorld, channel: str, number: int) -> dict:  # type: ignore[type-arg]
    root = world.slack.messages_in(channel)[0]
    return next(m for m in world.slack.thread(channel, root["ts"]) if f"Section {number}:" in text_of(m))


async def test_an_adoption_opens_a_private_space_with_every_section(world: SlackWorld) -> None:
    channel = await start(world)
    assert {"U0GMB1", "U0UNS1"} <= set(world.slack.members(channel))
    assert "U0UTE1" not in world.slack.members(channel)  # Unite's branch is not taking part
    root = world.slack.messages_in(channel)[0]
    assert "Best Value Code for Quality Employment: Leeds City Council" in text_of(root)
    thread = world.slack.thread(channel, root["ts"])
    sections = [m for m in thread if "Section " in text_of(m) and "settled)" in text_of(m)]
    assert len(sections) == 12
    assert "Section 8: Training and development (0 of 5 settled)" in text_of(sections[7])
    assert "including the TUC, UNISON's Open College" in text_of(sections[7])
    assert buttons(sections[2]) == ["Mark a clause", "Agree the section as written"]


async def test_positions_by_form_and_reply_settle_a_clause_once_both_branches_speak(world: SlackWorld) -> None:
    channel = await start(world)
    post = section_post(world, channel, 3)
    await world.click("U0GMB1", post, "Mark a clause", channel=channel)
    assert world.top_view("U0GMB1")["callback_id"] == "vws:code_mark"

    # Amend without the local wording, and Not agreed without a reason, are refused on the field.
    refused = await world.submit("U0GMB1", clause="3.2", position="amend", local_text=None, reason="Local practice")
    assert refused.json() == {"response_action": "errors", "errors": {"local_text": "Give the local wording for clause 3.2."}}
    refused = await world.submit("U0GMB1", clause="3.2", position="not_agreed", local_text=None, reason=None)
    assert refused.json()["errors"] == {"reason": "Give the reason for your branch's position on clause 3.2."}

    done = await world.submit("U0GMB1", clause="3.2", position="agreed", local_text=None, reason=None)
    assert done.status == 200 and not done.body
    assert "(0 of 3 settled)" in text_of(section_post(world, channel, 3))  # one branch of two has spoken

    # UNISON replies in the thread; the clause is settled, and the section's post says so.
    root = world.slack.messages_in(channel)[0]
    await world.slack.message_event("U0UNS1", channel, "3.2 agreed", thread_ts=root["ts"])
    await world.settle()
    post = section_post(world, channel, 3)
    assert "(1 of 3 settled)" in text_of(post) and "3.2 " in text_of(post)

    # GMB clicking again counts once: nothing new is posted, the count stays.
    posts = len(world.slack.calls("chat.postMessage"))
    await world.slack.message_event("U0GMB1", channel, "3.2 agreed", thread_ts=root["ts"])
    await world.settle()
    assert len(world.slack.calls("chat.postMessage")) == posts
    assert "(1 of 3 settled)" in text_of(section_post(world, channel, 3))

    # A clause that does not exist is refused, only to the person who typed it.
    await world.slack.message_event("U0UNS1", channel, "11.99 agreed", thread_ts=root["ts"])
    await world.settle()
    assert "There is no clause 11.99" in world.slack.ephemerals("U0UNS1", channel)[-1]["text"]


async def test_submit_is_refused_naming_the_unsettled_clause_then_the_code_goes_as_a_word_file(world: SlackWorld) -> None:
    channel = await start(world)
    engine = world.services.engine
    await agree_all(engine, 1, skip=("7.3",))
    await world.command("U0GMB1", "code submit")
    assert "1 clause is not settled (7.3)" in world.slack.ephemerals("U0GMB1")[-1]["text"]

    await world.command("U0GMB1", "code status")
    status = world.slack.ephemerals("U0GMB1")[-1]["text"]
    assert "7. Application of new technology and new equipment and assessing impact: 3/4 settled" in status
    assert "10. Equalities: 9/9 settled" in status

    root = world.slack.messages_in(channel)[0]
    await world.slack.message_event("U0GMB1", channel, "7.3 agreed", thread_ts=root["ts"])
    await world.settle()
    request = world.last_dm("U0GMB1")
    assert "Every clause is settled" in text_of(request) and buttons(request) == ["Submit to committee"]
    await world.click("U0GMB1", request, "Submit to committee")
    thread = world.slack.thread(channel, root["ts"])
    adopted = next(m for m in thread if "The Code as adopted, submitted to committee" in text_of(m))
    assert "11.7 Trade union recognition and collective bargaining rights on all contracts." in text_of(adopted)
    [upload] = [m for m in thread if m.get("files")]
    [file] = upload["files"]
    assert file["name"] == "best-value-code-leeds-city-council.docx"
    from docx import Document

    doc = Document(io.BytesIO(world.slack.uploaded(file["id"]) or b""))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "12. Single Status" in text and "7.3 Any new health and safety arrangements" in text

    ask = next(m for m in reversed(world.slack.dms_to("U0GMB1")) if "Record the committee's decisions" in text_of(m))
    assert buttons(ask) == ["Record a committee outcome", "Approve the rest as submitted"]

    # App Home shows the adoption, settled/total, and what waits for the lead.
    await world.slack.app_home_opened("U0GMB1")
    await world.settle()
    home = world.slack.home_view("U0GMB1")
    assert home is not None and "Leeds City Council" in text_of(home) and "51 of 51 clauses settled" in text_of(home)
    assert "Settled by section: 1: 5/5, 2: 5/5, 3: 3/3" in text_of(home)
    assert "Record a committee outcome" in buttons({"blocks": home["blocks"]})


async def test_the_committee_outcomes_approved_varied_with_text_and_rejected(world: SlackWorld) -> None:
    """Seed 003: the Code "should be submitted for approval at corporate and departmental Best Value
    committees"; the rep records each clause's outcome (approved, varied with text, rejected)."""
    from flows.bestvalue.indicators import report
    from flows.bestvalue.report import as_lines

    channel = await start(world)
    await agree_all(world.services.engine, 1)
    await world.command("U0GMB1", "code submit")
    ask = next(m for m in reversed(world.slack.dms_to("U0GMB1")) if "Record the committee's decisions" in text_of(m))
    await world.click("U0GMB1", ask, "Record a committee outcome")
    assert world.top_view("U0GMB1")["callback_id"] == "vws:code_committee"
    refused = await world.submit("U0GMB1", clause="2.4", outcome="varied", text=None)
    assert refused.json() == {"response_action": "errors",
                              "errors": {"text": "Give the text of clause 2.4 as the committee varied it."}}  # fmt: skip
    done = await world.submit("U0GMB1", clause="2.4", outcome="varied",
                              text="A commitment to seek public investment in the service first.")  # fmt: skip
    assert done.status == 200 and not done.body, done.body
    await world.click("U0GMB1", ask, "Record a committee outcome")
    done = await world.submit("U0GMB1", clause="6.2", outcome="rejected", text=None)
    assert done.status == 200 and not done.body, done.body
    await world.click("U0GMB1", ask, "Approve the rest as submitted")
    await world.settle()
    root = world.slack.messages_in(channel)[0]
    thread = "\n".join(text_of(m) for m in world.slack.thread(channel, root["ts"]))
    assert "2.4 A commitment to seek public investment in the service first. [varied by committee]" in thread
    assert ("6.2 Opening times, timing of service delivery, rotas and work schedules be subject to consultation "
            "through established machinery. [rejected by committee]") in thread
    rep = await report(world.services.engine, 1)
    assert rep is not None
    text = "\n".join(as_lines(rep))
    assert "2.4: GMB Agreed as written, UNISON Agreed as written; committee: varied" in text
    assert "6.2: GMB Agreed as written, UNISON Agreed as written; committee: rejected" in text
    assert "1.1: GMB Agreed as written, UNISON Agreed as written; committee: approved" in text


async def adopted_in_slack(world: SlackWorld) -> str:
    from flows.core.payload import Payload
    from tests.code_fixtures import GMB_B, ok

    channel = await start(world)
    engine = world.services.engine
    await agree_all(engine, 1)
    ok(await engine.dispatch.press(GMB_B, Payload("code_submit", 1)))
    ok(await engine.dispatch.press(GMB_B, Payload("code_committee_rest", 1)))
    await world.settle()
    return channel


async def test_an_indicator_with_a_target_of_90_and_an_actual_of_85_is_below_target_in_the_report(world: SlackWorld) -> None:
    await adopted_in_slack(world)
    await world.command("U0GMB1", "code indicator")
    assert world.top_view("U0GMB1")["callback_id"] == "vws:code_indicator"
    sub = await world.submit("U0GMB1", about="10.3", name="Service reviews with an equality impact assessment",
                             baseline="60", targets="2027-28: 90")  # fmt: skip
    assert sub.status == 200 and not sub.body, sub.body
    await world.command("U0GMB1", "code actual")
    assert world.top_view("U0GMB1")["callback_id"] == "vws:code_actual"
    sub = await world.submit("U0GMB1", indicator="1", period="2027-28", value="85%")
    assert sub.status == 200 and not sub.body, sub.body
    said = [text_of(m) for m in world.slack.dms_to("U0GMB1")] + [e["text"] for e in world.slack.ephemerals("U0GMB1")]
    assert any("85%, below target (target 90%)" in t for t in said)
    await world.command("U0GMB1", "code report")
    report = world.slack.ephemerals("U0GMB1")[-1]["text"]
    assert "2027-28: target 90%, actual 85%: below target" in report


async def test_a_contractor_request_with_no_answer_is_chased_once_then_exceptions_must_name_clauses(
        world: SlackWorld, clock: Clock) -> None:  # fmt: skip
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from bot.clock import sweep
    from flows.calendar import DEFAULT_HOURS, Nation

    london = ZoneInfo("Europe/London")
    channel = await adopted_in_slack(world)
    await world.command("U0GMB1", "code seek")
    assert world.top_view("U0GMB1")["callback_id"] == "vws:code_seek"
    sub = await world.submit("U0GMB1", contract="School meals 2027", contractor="Acme Catering")
    assert sub.status == 200 and not sub.body, sub.body
    root = world.slack.messages_in(channel)[0]
    asking = "commitment to adopt and implement the Best Value Code"
    in_thread = [m for m in world.slack.thread(channel, root["ts"]) if asking in text_of(m)]
    in_dm = [m for m in world.slack.dms_to("U0GMB1") if asking in text_of(m)]
    assert len(in_thread + in_dm) == 1, (len(in_thread), len(in_dm))
    draft, where = (in_thread[0], channel) if in_thread else (in_dm[0], world.slack.dm_channel("U0GMB1"))
    sent_at = datetime(2026, 12, 14, 16, 30, tzinfo=london).astimezone(UTC)  # Monday 14 December, 16:30
    clock.set(sent_at)
    [label] = buttons(draft)
    await world.click("U0GMB1", draft, label, channel=where)
    chases: list[datetime] = []
    moments = [(14, 20, 0), (19, 11, 0), (25, 10, 0), (26, 10, 0), (28, 10, 0), (30, 16, 0), (30, 16, 30),
               (30, 17, 0), (31, 3, 0), (31, 10, 0), (35, 10, 0), (42, 16, 30)]  # nights, Christmas, weekends too
    for day, hour, minute in moments:
        at = datetime(2026, 12, 1, hour, minute, tzinfo=london).astimezone(UTC) + timedelta(days=day - 1)
        clock.set(at)
        before = len(world.slack.dms_to("U0GMB1"))
        await sweep(world.services, world.bot.outbound, at)
        await world.settle()
        chases += [at for m in world.slack.dms_to("U0GMB1")[before:] if "No response yet from Acme Catering" in text_of(m)]
    # Ten working days on, skipping Christmas Day and the Boxing Day holiday on Monday 28th.
    assert [c.astimezone(london) for c in chases] == [datetime(2026, 12, 30, 16, 30, tzinfo=london)]
    assert DEFAULT_HOURS.is_working_moment(chases[0], Nation.ENGLAND)
    chase = next(m for m in world.slack.dms_to("U0GMB1") if "No response yet from Acme Catering" in text_of(m))
    assert buttons(chase) == ["Record the response", "Snooze a week"]
    await world.click("U0GMB1", chase, "Record the response")
    assert world.top_view("U0GMB1")["callback_id"] == "vws:code_response"
    refused = await world.submit("U0GMB1", response="commit_exceptions", exceptions="11.99")
    errors = refused.json()["errors"]
    assert list(errors) == ["exceptions"] and "no clause 11.99" in errors["exceptions"]
    done = await world.submit("U0GMB1", response="commit_exceptions", exceptions="11.3, 11.6")
    assert done.status == 200 and not done.body, done.body
