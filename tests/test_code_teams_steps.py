"""The Best Value Code's later steps in Teams, through real tokens into ``/api/messages`` and the
Bot Connector stand-in: the committee's outcome per clause, indicators with annual targets,
Record actual (and its nudge at period end), Seek contractor commitment and the contractor's
response, and the Code report typed in chat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.services import Services
from bot.settings import Settings
from tests.conftest import Clock
from tests.teams_graph import GraphStandIn
from tests.test_code_teams import CODE_DIRECTORY, txt
from tests.test_teams import AAD, TENANT, StandIn, Teams, buttons, services_on, serving_standin, teams_on
from tests.test_teams import standin as standin  # noqa: F401 - the fixture

ADOPTION = {"employer_name": "Leeds City Council", "employer_kind": "local_authority", "association": "Leeds",
            "branches": "GMB,UNISON"}  # fmt: skip


@pytest.fixture
async def teams(db_url: str, clock: Clock, standin: tuple[StandIn, rsa.RSAPrivateKey]) -> AsyncIterator[Teams]:
    async with services_on(db_url, clock) as svc, teams_on(svc, standin, directory=CODE_DIRECTORY) as found:
        yield found


def with_button(cards: list[dict[str, Any]], title: str) -> dict[str, Any]:
    found = [c for c in cards if title in buttons(c)]
    assert found, f"no card with a {title!r} button: {[list(buttons(c)) for c in cards]}"
    return found[-1]


def field_ids(card: dict[str, Any]) -> set[str]:
    return {b["id"] for b in card["body"] if "id" in b}


def errors_of(card: dict[str, Any]) -> list[str]:
    """The field errors a form card shows again: the text under each field, by the field's id."""
    out, last = [], None
    for b in card["body"]:
        if "id" in b:
            last = b["id"]
        elif b.get("color") == "Attention" and b.get("size") == "Small" and last:
            out.append(last)
    return out


def submit_data(form: dict[str, Any]) -> dict[str, Any]:
    [act] = form["actions"]
    assert act["type"] == "Action.Submit"  # what every Teams client sends, phones included
    return dict(act["data"])


async def started(teams: Teams) -> None:
    await teams.say("gmb", "code start")
    form = teams.standin.cards_to(AAD["gmb"])[-1]
    card = await teams.click("gmb", {**submit_data(form), **ADOPTION})
    assert "Started the adoption" in txt(card), txt(card)


async def all_settled(teams: Teams) -> None:
    """Both branches agree every section as written, by the sections' own buttons in Teams."""
    await started(teams)
    for who in ("gmb", "uns"):
        posts = [c for c in teams.standin.cards_to(AAD[who]) if "Agree the section as written" in buttons(c)]
        assert len(posts) == 12
        for post in posts:
            card = await teams.click(who, buttons(post)["Agree the section as written"]["data"])
            assert "Recorded for" in txt(card), txt(card)


async def at_committee(teams: Teams) -> dict[str, Any]:
    await all_settled(teams)
    ask = with_button(teams.standin.cards_to(AAD["gmb"]), "Submit to committee")
    card = await teams.click("gmb", buttons(ask)["Submit to committee"]["data"])
    assert "submitted" in txt(card).lower(), txt(card)
    return with_button(teams.standin.cards_to(AAD["gmb"]), "Record a committee outcome")


async def adopted(teams: Teams) -> dict[str, Any]:
    """The Code adopted in Teams; the lead's card that offers what comes next."""
    ask = await at_committee(teams)
    done = await teams.click("gmb", buttons(ask)["Approve the rest as submitted"]["data"])
    assert "is adopted by Leeds City Council" in txt(done), txt(done)
    return with_button(teams.standin.cards_to(AAD["gmb"]), "Seek contractor commitment")


async def test_committee_outcomes_per_clause_in_teams_varied_needs_its_text(teams: Teams) -> None:
    """Seed 003: the Code "should be submitted for approval at corporate and departmental Best Value
    committees"; in Teams the lead records each clause's outcome (approved, varied with text,
    rejected) from the card, and the card keeps its buttons for the next clause."""
    from flows.bestvalue.indicators import report
    from flows.bestvalue.report import as_lines

    ask = await at_committee(teams)
    assert set(buttons(ask)) == {"Record a committee outcome", "Approve the rest as submitted"}
    form = await teams.click("gmb", buttons(ask)["Record a committee outcome"]["data"])
    assert {"clause", "outcome", "text"} <= field_ids(form)

    # "varied" without the text comes back on the form, naming the field; nothing is recorded.
    again = await teams.click("gmb", {**submit_data(form), "clause": "2.4", "outcome": "varied"})
    assert errors_of(again) == ["text"], txt(again)
    assert "Give the text of clause 2.4 as the committee varied it." in txt(again)
    assert "51 clauses still to record" in txt(again)

    done = await teams.click("gmb", {**submit_data(again), "clause": "2.4", "outcome": "varied",
                                     "text": "A commitment to seek public investment in the service first."})  # fmt: skip
    assert "Recorded: clause 2.4 varied by committee. 50 clauses still to record" in txt(done), txt(done)
    # The card the lead clicked still offers the next clause (Teams replaced it with this one).
    assert set(buttons(done)) == {"Record a committee outcome", "Approve the rest as submitted"}, txt(done)

    form = await teams.click("gmb", buttons(done)["Record a committee outcome"]["data"])
    done = await teams.click("gmb", {**submit_data(form), "clause": "6.2", "outcome": "rejected"})
    assert "Recorded: clause 6.2 rejected by committee. 49 clauses still to record" in txt(done), txt(done)

    adopted_card = await teams.click("gmb", buttons(done)["Approve the rest as submitted"]["data"])
    assert "is adopted by Leeds City Council (49 approved by committee, 1 rejected by committee, 1 varied by committee)" in txt(adopted_card)
    assert "actions" not in adopted_card  # nothing left to record on this card
    text = "\n".join(as_lines(await report(teams.services.engine, 1)))  # type: ignore[arg-type]
    assert "2.4: GMB Agreed as written, UNISON Agreed as written; committee: varied" in text
    assert "6.2: GMB Agreed as written, UNISON Agreed as written; committee: rejected" in text

    # The branches' reps get the Code as adopted, with the committee's variation and rejection.
    adopted_text = [txt(c) for c in teams.standin.cards_to(AAD["uns"]) if "The Code as adopted" in txt(c)
                    or "is adopted" in txt(c)]  # fmt: skip
    assert any("2.4 A commitment to seek public investment in the service first. [varied by committee]" in t
               for t in adopted_text), adopted_text  # fmt: skip


async def test_an_indicator_with_a_target_of_90_and_an_actual_of_85_is_below_target_in_teams(teams: Teams) -> None:
    next_steps = await adopted(teams)
    assert set(buttons(next_steps)) == {"Add an indicator", "Seek contractor commitment"}
    form = await teams.click("gmb", buttons(next_steps)["Add an indicator"]["data"])
    assert {"about", "name", "unit", "baseline", "direction", "priority", "measurable", "targets", "owner"} <= field_ids(form)
    owner = next(b for b in form["body"] if b.get("id") == "owner")
    indicator = {**submit_data(form), "about": "10.3", "name": "Service reviews with an equality impact assessment",
                 "unit": "%", "baseline": "60", "direction": "higher", "priority": "high", "measurable": "objective",
                 "owner": owner["value"]}  # fmt: skip
    again = await teams.click("gmb", {**indicator, "about": "10.99", "targets": "2027-28: 90"})
    assert errors_of(again) == ["about"], txt(again)
    again = await teams.click("gmb", {**indicator, "targets": "next year: lots"})
    assert errors_of(again) == ["targets"], txt(again)
    done = await teams.click("gmb", {**indicator, "targets": "2027-28: 90; 2028-29: 95"})
    assert "Added the indicator Service reviews with an equality impact assessment on 10.3" in txt(done), txt(done)
    # The lead's card still offers what it did: another indicator, or a contractor.
    assert set(buttons(done)) == {"Add an indicator", "Seek contractor commitment"}

    # Record actual, typed in the 1:1 chat.
    await teams.say("gmb", "code actual")
    form = teams.standin.cards_to(AAD["gmb"])[-1]
    assert {"indicator", "period", "value"} <= field_ids(form)
    again = await teams.click("gmb", {**submit_data(form), "indicator": "1", "period": "2027-28", "value": "most"})
    assert errors_of(again) == ["value"], txt(again)
    done = await teams.click("gmb", {**submit_data(form), "indicator": "1", "period": "2027-28", "value": "85%"})
    assert "Recorded Service reviews with an equality impact assessment for 2027-28: 85%, below target (target 90%)." in txt(done)

    # The Code report, typed in the 1:1 chat: each line of it a line of the card.
    await teams.say("gmb", "code report")
    report = teams.standin.cards_to(AAD["gmb"])[-1]
    lines = [b["text"] for b in report["body"]]
    assert any("2027\\-28: target 90%, actual 85%: below target" in line for line in lines), lines
    assert any("2028\\-29: target 95%" in line and "no data" in line for line in lines), lines
    assert any(line.startswith("Clause positions") for line in lines), lines


async def test_the_period_end_nudge_in_teams_asks_the_owner_to_record_the_actual(teams: Teams, clock: Clock) -> None:
    """The first working morning after 31 March, the indicator's owner gets a card with Record actual."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from bot.clock import sweep

    next_steps = await adopted(teams)
    form = await teams.click("gmb", buttons(next_steps)["Add an indicator"]["data"])
    owner = next(b for b in form["body"] if b.get("id") == "owner")
    await teams.click("gmb", {**submit_data(form), "about": "8", "name": "Staff with a training plan", "unit": "%",
                              "baseline": "40", "direction": "higher", "priority": "medium", "measurable": "objective",
                              "owner": owner["value"], "targets": "2027-28: 90"})  # fmt: skip
    london = ZoneInfo("Europe/London")
    for at in (datetime(2028, 3, 31, 10, 0, tzinfo=london), datetime(2028, 4, 3, 9, 0, tzinfo=london)):
        clock.set(at.astimezone(UTC))
        await sweep(teams.services, teams.app.router, at.astimezone(UTC))
        await teams.services.drain()
    nudges = [c for c in teams.standin.cards_to(AAD["gmb"]) if "Record the actual: Staff with a training plan" in txt(c)]
    assert len(nudges) == 1, len(nudges)
    [nudge] = nudges
    assert set(buttons(nudge)) == {"Record actual", "Snooze a week"}
    form = await teams.click("gmb", buttons(nudge)["Record actual"]["data"])
    chosen = next(b for b in form["body"] if b.get("id") == "indicator")
    assert chosen["value"] == "1" and next(b for b in form["body"] if b.get("id") == "period")["value"] == "2027-28"
    done = await teams.click("gmb", {**submit_data(form), "indicator": "1", "period": "2027-28", "value": "92"})
    assert "92%, on target (target 90%)" in txt(done), txt(done)

    # Recorded: the next sweep does not ask again.
    later = datetime(2028, 4, 4, 9, 0, tzinfo=london).astimezone(UTC)
    clock.set(later)
    await sweep(teams.services, teams.app.router, later)
    await teams.services.drain()
    assert len([c for c in teams.standin.cards_to(AAD["gmb"]) if "Record the actual: Staff" in txt(c)]) == 1


async def test_seek_a_contractors_commitment_and_record_the_response_in_teams(teams: Teams, clock: Clock) -> None:
    """Seed 003: the Code "should be submitted to potential contractors seeking their commitment";
    the response names existing clause numbers when it commits with exceptions ("11.99" refused)."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from bot.clock import sweep

    london = ZoneInfo("Europe/London")
    next_steps = await adopted(teams)
    form = await teams.click("gmb", buttons(next_steps)["Seek contractor commitment"]["data"])
    assert {"contract", "contractor"} <= field_ids(form)
    again = await teams.click("gmb", {**submit_data(form), "contract": "School meals 2027", "contractor": ""})
    assert errors_of(again) == ["contractor"], txt(again)
    done = await teams.click("gmb", {**submit_data(form), "contract": "School meals 2027", "contractor": "Acme Catering"})
    assert "Drafted the request to Acme Catering for School meals 2027" in txt(done), txt(done)
    draft = with_button(teams.standin.cards_to(AAD["gmb"]), "Mark as sent")
    assert "commitment to adopt and implement the Best Value Code" in txt(draft)
    assert "11.7 Trade union recognition and collective bargaining rights on all contracts." in txt(draft)

    sent_at = datetime(2026, 12, 14, 16, 30, tzinfo=london).astimezone(UTC)
    clock.set(sent_at)
    sent = await teams.click("gmb", buttons(draft)["Mark as sent"]["data"])
    assert "Recorded that the request went to Acme Catering" in txt(sent), txt(sent)
    # Ten working days on (Christmas and Boxing Day skipped), the lead is chased, once.
    for at in (datetime(2026, 12, 29, 10, 0, tzinfo=london), datetime(2026, 12, 30, 16, 30, tzinfo=london),
               datetime(2026, 12, 31, 10, 0, tzinfo=london)):  # fmt: skip
        clock.set(at.astimezone(UTC))
        await sweep(teams.services, teams.app.router, at.astimezone(UTC))
        await teams.services.drain()
    chases = [c for c in teams.standin.cards_to(AAD["gmb"]) if "No response yet from Acme Catering" in txt(c)]
    assert len(chases) == 1, len(chases)
    assert set(buttons(chases[0])) == {"Record the response", "Snooze a week"}

    form = await teams.click("gmb", buttons(chases[0])["Record the response"]["data"])
    response = next(b for b in form["body"] if b.get("id") == "response")
    assert [c["value"] for c in response["choices"]] == ["commit", "commit_exceptions", "decline", "none"]
    again = await teams.click("gmb", {**submit_data(form), "response": "commit_exceptions", "exceptions": "11.99"})
    assert errors_of(again) == ["exceptions"], txt(again)
    assert "no clause 11.99" in txt(again)
    again = await teams.click("gmb", {**submit_data(form), "response": "commit_exceptions", "exceptions": ""})
    assert errors_of(again) == ["exceptions"], txt(again)
    done = await teams.click("gmb", {**submit_data(form), "response": "commit_exceptions", "exceptions": "11.3, 11.6"})
    assert "Acme Catering" in txt(done) and "11.3" in txt(done), txt(done)

    # Then the contract is awarded and Contract Compliance is tracked, committed against delivered.
    awarded = with_button(teams.standin.cards_to(AAD["gmb"]), "Contract awarded")
    done = await teams.click("gmb", buttons(awarded)["Contract awarded"]["data"])
    assert "awarded" in txt(done).lower(), txt(done)
    delivery = with_button(teams.standin.cards_to(AAD["gmb"]), "Record delivery")
    form = await teams.click("gmb", buttons(delivery)["Record delivery"]["data"])
    done = await teams.click("gmb", {**submit_data(form), "clause": "11.7", "period": "2026-27", "delivered": "met"})
    assert "11.7" in txt(done), txt(done)
    assert "Record delivery" in buttons(done)  # the next clause, from the same card
    await teams.say("gmb", "code report")
    report = txt(teams.standin.cards_to(AAD["gmb"])[-1])
    assert "Acme Catering" in report and "11.7" in report, report


async def test_other_responses_and_a_second_click_in_teams(teams: Teams) -> None:
    """Commit in full, decline and no response are each recorded; the same activity twice counts once."""
    next_steps = await adopted(teams)
    names = ("Acme Catering", "Best Cleaners", "Civic Care")
    for i, (name, answer) in enumerate(zip(names, ("commit", "decline", "none"), strict=True), start=1):
        form = await teams.click("gmb", buttons(next_steps)["Seek contractor commitment"]["data"])
        await teams.click("gmb", {**submit_data(form), "contract": f"Contract {i}", "contractor": name})
        draft = with_button(teams.standin.cards_to(AAD["gmb"]), "Mark as sent")
        await teams.click("gmb", buttons(draft)["Mark as sent"]["data"])
        await teams.say("gmb", "status")
        status = teams.standin.cards_to(AAD["gmb"])[-1]
        record = buttons(status)[f"Record the response: {name} (Contract {i})"[:60]]
        form = await teams.click("gmb", record["data"])
        data = {**submit_data(form), "response": answer}
        done = await teams.click("gmb", data, activity_id=f"answer-{i}")
        assert name in txt(done), txt(done)
        again = await teams.click("gmb", data, activity_id=f"answer-{i}")
        assert "already done" in txt(again)
    from sqlalchemy import select

    from models.bestvalue import CodeContract

    async with teams.services.engine.sessions() as s:
        stages = dict((await s.execute(select(CodeContract.contractor, CodeContract.stage))).all())
    assert stages == {"Acme Catering": "committed", "Best Cleaners": "declined", "Civic Care": "no_response"}


@pytest.fixture
async def code_services(db_url: str, clock: Clock) -> AsyncIterator[Services]:
    svc = Services.build(Settings(DATABASE_URL=db_url), clock=clock)
    await svc.start()
    await svc.load_directory(CODE_DIRECTORY)
    yield svc
    await svc.close()


async def test_in_the_adoptions_group_chat_positions_are_typed_and_anything_else_gets_the_codes_hint(
    code_services: Services, standin: tuple[StandIn, rsa.RSAPrivateKey]
) -> None:
    """In Teams the adoption's private space is a group chat when Graph allows no channel: typed
    positions count there, and an @mention that is not one is told what the Code's chat is for
    (not the sign-up's "agree or disagree")."""
    from tests.teams_graph import CHANNEL, CHAT, graph_standin
    from tests.test_teams_partner import TEAM, in_space, send, teams_app, typed

    stand, key = standin
    async with graph_standin(stand.tenant, **{CHANNEL: 403}) as graph:
        async with teams_app(code_services, stand, key, VWS_TEAMS_GRAPH_URL=graph.url, VWS_TEAMS_PARTNER_TEAM_ID=TEAM,
                             VWS_TEAMS_CATALOG_APP_ID="cccccccc-0000-0000-0000-000000000001") as (t, _):  # fmt: skip
            await started(t)
            [chat] = graph.of(CHAT)
            assert {GraphStandIn.user_of(m) for m in chat["body"]["members"]} >= {AAD["gmb"], AAD["uns"], AAD["sec"]}
            chat_id = "19:chat1@thread.v2"
            sections = [c for _, c in in_space(t, chat_id) if "Section " in txt(c) and " settled" in txt(c)]
            assert len(sections) == 12

            await send(t, typed(t, "gmb", chat_id, "groupChat", "3.2 agreed"))
            await send(t, typed(t, "uns", chat_id, "groupChat", "3.2 not agreed"))
            said = [txt(c) for _, c in in_space(t, chat_id)]
            assert any("Give the reason for your branch's position on clause 3.2" in x for x in said), said[-3:]
            await send(t, typed(t, "uns", chat_id, "groupChat", "3.2 agreed"))
            updated = [c for conv, c in t.standin.cards("update") if conv == chat_id and "Section 3:" in txt(c)]
            assert updated and "1 of 3 settled" in txt(updated[-1])

            await send(t, typed(t, "gmb", chat_id, "groupChat", "what next?"))
            hint = txt(in_space(t, chat_id)[-1][1])
            assert "3.2 agreed" in hint and "proposal" not in hint, hint


async def test_the_code_is_on_the_teams_command_menu_and_says_its_words_as_typed_in_teams(
        teams: Teams, tmp_path: Any) -> None:  # fmt: skip
    """A Teams user finds the Code in the command menu; its help names the words as they are typed
    in Teams ('code start'), and a shared chat's hint names it among the 1:1 commands."""
    import json
    import zipfile

    from bot.teams.package import build_teams_package
    from bot.teams.settings import TeamsSettings
    from tests.test_teams import APP_ID

    path = build_teams_package(tmp_path, TeamsSettings(MICROSOFT_APP_ID=APP_ID), host="vws.example.org")
    with zipfile.ZipFile(path) as z:
        manifest = json.loads(z.read("manifest.json"))
    [menu] = manifest["bots"][0]["commandLists"]
    assert "code" in [c["title"] for c in menu["commands"]] and menu["scopes"] == ["personal"]

    await teams.say("uns", "code")  # the menu's word alone: where the person's adoptions stand
    assert "not taking part in any adoption" in txt(teams.standin.cards_to(AAD["uns"])[-1])
    assert "'code start'" in txt(teams.standin.cards_to(AAD["uns"])[-1])
    await teams.say("uns", "code words")
    said = txt(teams.standin.cards_to(AAD["uns"])[-1])
    assert "code start, code status, code report Leeds" in said and "indicator" in said and "seek" in said, said

    shared = teams.activity("uns", text="<at>VWS Bot</at> status", entities=[
        {"type": "mention", "text": "<at>VWS Bot</at>", "mentioned": {"id": f"28:{APP_ID}", "name": "VWS Bot"}}])  # fmt: skip
    shared["conversation"] = {"id": "19:other@thread.v2", "conversationType": "groupChat", "tenantId": TENANT,
                              "isGroup": True}  # fmt: skip
    resp = await teams.post(shared)
    assert resp.status in (200, 201, 202)
    hint = txt(teams.standin.cards("send")[-1][1])
    assert "'code'" in hint and "1:1 chat" in hint, hint


async def test_on_a_client_without_universal_actions_the_committee_card_works_by_action_submit(teams: Teams) -> None:
    """Buttons are Action.Submit, which Teams clients (phones too) send as a message: the card is
    updated in place, to the form, its field error, and the confirmation with the card's buttons."""
    ask = await at_committee(teams)

    async def submit(data: dict[str, Any], card_id: str) -> dict[str, Any]:
        resp = await teams.post(teams.activity("gmb", value=data, replyToId=card_id))
        assert resp.status in (200, 202)
        [update] = [c for c in teams.standin.calls if c["kind"] == "update" and c["aid"] == card_id][-1:]
        return update["body"]["attachments"][0]["content"]  # type: ignore[no-any-return]

    form = await submit(buttons(ask)["Record a committee outcome"]["data"], "m-ask")
    data = form["actions"][0]["data"]
    again = await submit({**data, "clause": "7.1", "outcome": "varied", "text": "  "}, "m-ask")
    assert errors_of(again) == ["text"], txt(again)
    done = await submit({**data, "clause": "7.1", "outcome": "approved"}, "m-ask")
    assert "Recorded: clause 7.1 approved by committee" in txt(done), txt(done)
    assert set(buttons(done)) == {"Record a committee outcome", "Approve the rest as submitted"}
    assert all(a["type"] == "Action.Submit" for a in done["actions"])


async def test_a_card_carrying_forged_or_foreign_buttons_offers_none_of_them(teams: Teams) -> None:
    """What a card says it carried (``card``) is only a list of payloads to look up: forged ones
    are dropped, and a button is offered again only if the tables offer it to this person now."""
    ask = await at_committee(teams)
    data = dict(buttons(ask)["Record a committee outcome"]["data"])
    form = await teams.click("gmb", {**data, "card": ["not a payload", 7, "v1|signup_nope|1|||",
                                                      "v1|code_committee|99|||", *data["card"]]})  # fmt: skip
    sub = submit_data(form)
    assert sub["card"] == ["v1|signup_nope|1|||", "v1|code_committee|99|||", *data["card"]]  # the unreadable dropped
    # UNISON's rep may not record the committee's outcome: the card offers them nothing of it.
    refused = await teams.click("uns", {**sub, "clause": "7.1", "outcome": "approved"})
    assert "actions" not in refused and "Attention" in txt(refused)
    done = await teams.click("gmb", {**sub, "clause": "7.1", "outcome": "approved"})
    assert set(buttons(done)) == {"Record a committee outcome", "Approve the rest as submitted"}


# --------------------------------------------------------------------------- the Word document in Teams


class FilesStandIn(StandIn):
    """The Bot Connector stand-in, with the OneDrive upload session a file consent gives the bot."""

    uploads: list[dict[str, Any]]

    def app(self) -> web.Application:
        self.uploads = []
        app = super().app()
        app.router.add_put("/upload/{name}", self.upload)
        return app

    async def upload(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.uploads.append({"name": request.match_info["name"], "range": request.headers.get("Content-Range"),
                             "body": body})  # fmt: skip
        return web.json_response({"id": "drive-item-1", "name": request.match_info["name"]}, status=201)


@pytest.fixture
async def files_teams(db_url: str, clock: Clock) -> AsyncIterator[Teams]:
    async with (
        serving_standin(FilesStandIn) as standin,
        services_on(db_url, clock) as svc,
        teams_on(svc, standin, directory=CODE_DIRECTORY) as found,
    ):
        yield found


FILE_CONSENT = "application/vnd.microsoft.teams.card.file.consent"


def consents_to(t: Teams, who: str) -> list[dict[str, Any]]:
    return [a for c in t.standin.calls if c["kind"] == "send" and c["conv"] == f"a:dm-{AAD[who]}"
            for a in c["body"].get("attachments") or [] if a["contentType"] == FILE_CONSENT]  # fmt: skip


async def consent(t: Teams, who: str, offer: dict[str, Any], action: str = "accept", **upload: str) -> Any:
    info = {"contentUrl": "https://contoso.sharepoint.com/personal/lead/Documents/Applications/VWS/x.docx",
            "name": offer["name"], "uploadUrl": f"{t.standin.url}/upload/{offer['name']}", "uniqueId": "abc-123",
            "fileType": "docx", **upload}  # fmt: skip
    ctx = offer["content"]["acceptContext" if action == "accept" else "declineContext"]
    value = {"type": "fileUpload", "action": action, "context": ctx, "uploadInfo": info}
    resp = await t.post(t.activity(who, type="invoke", name="fileConsent/invoke", value=value))
    assert resp.status == 200, await resp.text()
    return resp


async def test_the_code_as_adopted_reaches_the_lead_in_teams_as_a_word_document(files_teams: Teams) -> None:
    """Slack uploads the Code as adopted as a Word file; in Teams the lead's 1:1 chat is offered
    the file (Teams asks the person's consent to put it in their OneDrive), and it is uploaded
    only once they allow it."""
    import io

    from docx import Document

    t = files_teams
    stand: FilesStandIn = t.standin  # type: ignore[assignment]
    await at_committee(t)
    [offer] = consents_to(t, "gmb")
    assert offer["name"] == "best-value-code-leeds-city-council.docx"
    assert offer["content"]["sizeInBytes"] > 1000 and "Word" in offer["content"]["description"]
    assert consents_to(t, "uns") == []  # the file goes with the lead's request, in 1:1 chats only
    assert stand.uploads == []

    # Another person cannot have it by replaying the offer: nothing is uploaded.
    await consent(t, "ute", offer)
    assert stand.uploads == []
    assert "not yours" in txt(t.standin.cards_to(AAD["ute"])[-1]).lower()
    # An upload address that is not Microsoft's is refused.
    for address in ("https://evil.example.org/upload", "http://contoso.sharepoint.com/upload",
                    "https://contoso.sharepoint.com@evil.example.org/upload",
                    "https://evil.example.org\\@contoso.sharepoint.com/upload"):  # fmt: skip
        await consent(t, "gmb", offer, uploadUrl=address)
        assert "not OneDrive's" in txt(t.standin.cards_to(AAD["gmb"])[-1])
    assert stand.uploads == []

    await consent(t, "gmb", offer)
    [up] = stand.uploads
    assert up["name"] == offer["name"] and up["range"] == f"bytes 0-{len(up['body']) - 1}/{len(up['body'])}"
    text = "\n".join(p.text for p in Document(io.BytesIO(up["body"])).paragraphs)
    assert "12. Single Status" in text and "7.3 Any new health and safety arrangements" in text
    sent = [a for c in t.standin.calls if c["kind"] == "send" and c["conv"] == f"a:dm-{AAD['gmb']}"
            for a in c["body"].get("attachments") or []]  # fmt: skip
    assert sent[-1]["contentType"] == "application/vnd.microsoft.teams.card.file.info"
    assert sent[-1]["name"] == offer["name"] and sent[-1]["content"] == {"uniqueId": "abc-123", "fileType": "docx"}

    # Declined: nothing is uploaded, and the lead is told where the text is.
    await consent(t, "gmb", offer, action="decline")
    assert len(stand.uploads) == 1
    assert "text" in txt(t.standin.cards_to(AAD["gmb"])[-1])
