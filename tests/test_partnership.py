"""Local social partnerships and issue resolution (seed 004), through the engine: resolved at the
lowest level, escalated only once options are exhausted at the level it is at, and never casework."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bot.services import Services
from bot.settings import Settings
from flows.core.payload import Payload
from flows.directory import DirectoryError
from flows.notices import ToPerson, ToSpace
from flows.partnership.journey import Stage
from models.partnership import (
    Issue,
    IssueAttempt,
    IssueNote,
    Partnership,
    PartnershipDocument,
    PartnershipEvent,
    PartnershipMember,
)
from tests.conftest import GMB, NEM, REP, SEC, UNS, Clock, slack
from tests.partnership_world import (
    ATTEMPT,
    ISSUE,
    LA,
    NATIONAL,
    NATIONAL_DEPUTY,
    PARTNERSHIP_DIRECTORY,
    REGIONAL,
    issue_row,
    raise_issue,
    to_regional,
)
from tests.test_cli import fresh_url, vws
from tests.test_journey import to_joined

__all__ = ["fresh_url"]  # the fixture, shared with the CLI tests


@pytest.fixture
async def lsp(db_url: str, clock: Clock) -> AsyncIterator[Services]:
    svc = Services.build(Settings(DATABASE_URL=db_url), clock=clock)
    await svc.start()
    await svc.load_directory(PARTNERSHIP_DIRECTORY)
    yield svc
    await svc.close()


async def rows(svc: Services, model: type) -> int:
    async with svc.sessions() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


# --------------------------------------------------------------------------- the directory


async def test_a_partnership_has_members_by_side_and_starts_from_the_minimum_remit(lsp: Services) -> None:
    async with lsp.sessions() as s:
        p = (await s.execute(select(Partnership))).scalar_one()
        sides = set((await s.execute(select(PartnershipMember.party))).scalars())
        docs = {d.kind: d for d in (await s.execute(select(PartnershipDocument))).scalars()}
    assert (p.name, p.local_authority, p.region, p.nation) == ("Leeds", "Leeds City Council", "Yorkshire and the Humber", "England")
    assert sides == {"NASUWT", "GMB", "UNISON", "Unite", "local authority", "NAHT"}
    areas = docs["remit"].body["areas"]
    assert "Fair play and rewards for support staff" in areas and "Performance management" in areas  # England
    assert set(docs["protocol"].body["themes"]) == {"focus_participation", "ways_of_working", "communication_dissemination", "processes"}
    assert docs["remit"].next_review_on.isoformat() == "2026-12-09"  # WAMG: consider them at the next meeting
    assert await lsp.load_directory(PARTNERSHIP_DIRECTORY) == []  # loading it again changes nothing


async def test_a_bad_partnership_entry_is_refused_whole_naming_it(lsp: Services) -> None:
    bad = PARTNERSHIP_DIRECTORY.replace("NAHT: [{slack: U0NAH1, name: Hari NAHT}]", "NUT: [U0NAH1]").replace(
        "name: England", "name: Wales"
    )
    with pytest.raises(DirectoryError, match=r"partnerships\[0\] \(Leeds\)\.members: 'NUT' is not a side"):
        await lsp.load_directory(bad)
    no_ladder = PARTNERSHIP_DIRECTORY.replace("region: Yorkshire and the Humber\n    nation", "region: Nowhere\n    nation")
    with pytest.raises(DirectoryError, match=r"partnerships\[0\] \(Leeds\): region 'Nowhere' has no regional escalation contacts"):
        await lsp.load_directory(no_ladder)
    async with lsp.sessions() as s:  # nothing of either file was kept
        assert (await s.execute(select(Partnership.region))).scalar_one() == "Yorkshire and the Humber"


async def test_in_wales_the_minimum_remit_leaves_out_englands_areas(lsp: Services) -> None:
    wales = PARTNERSHIP_DIRECTORY + (
        "  - name: Cardiff\n    local_authority: Cardiff Council\n    region: Yorkshire and the Humber\n"
        "    nation: Wales\n    members: {NASUWT: [U0REP9]}\n"
    ).replace("nations:\n", "nations:\n")
    wales = wales.replace("nations:\n  - name: England", "nations:\n  - name: Wales\n    contacts: [U0NTL1]\n  - name: England")
    await lsp.load_directory(wales)
    async with lsp.sessions() as s:
        cardiff = (await s.execute(select(Partnership).where(Partnership.name == "Cardiff"))).scalar_one()
        doc = (await s.execute(select(PartnershipDocument).where(PartnershipDocument.partnership_id == cardiff.id,
                                                                 PartnershipDocument.kind == "remit"))).scalar_one()  # fmt: skip
    assert "Performance management" not in doc.body["areas"] and "Better communications" in doc.body["areas"]


# --------------------------------------------------------------------------- raising


async def test_screening_yes_stores_nothing_and_says_where_casework_goes(lsp: Services) -> None:
    out = await lsp.engine.partnerships.screen(GMB, casework=True)
    assert out.ok and out.notices == [] and out.next_form is None
    assert "stays with each union or professional association" in out.reply_text
    for model in (Issue, IssueAttempt, IssueNote, PartnershipEvent):
        assert await rows(lsp, model) == 0
    out = await lsp.engine.partnerships.screen(GMB, casework=False)
    assert out.next_form is not None and out.next_form.id == "issue"
    assert [f.name for f in out.next_form.fields] == ["title", "description", "group_affected", "remit_area", "other_area"]


async def test_a_raised_issue_is_posted_in_the_partnerships_space_with_its_buttons(lsp: Services) -> None:
    out = await lsp.engine.partnerships.raise_issue(LA, ISSUE)  # the local authority's side raises it
    assert out.ok, out.reply_text
    [card] = out.notices
    assert isinstance(card.to, ToSpace) and card.to.key == "partnership:1" and card.to.open_space
    assert len(card.to.members) == 7 and card.to.name_hint == "lsp-leeds"
    assert [b.label for b in card.buttons] == ["Log attempt", "Resolved", "Escalate", "This is casework", "Withdraw"]
    assert ("Group affected", ISSUE["group_affected"]) in card.facts


async def test_named_people_are_not_a_group(lsp: Services) -> None:
    out = await lsp.engine.partnerships.raise_issue(GMB, {**ISSUE, "group_affected": "<@U0REP2> and jo@school.example.org"})
    assert not out.ok and "not named people" in out.errors["group_affected"]
    assert await rows(lsp, Issue) == 0


async def test_only_members_raise_issues(lsp: Services) -> None:
    out = await lsp.engine.partnerships.raise_issue(NEM, ISSUE)
    assert not out.ok and "Only members of a local social partnership" in out.reply_text


# --------------------------------------------------------------------------- the ladder


async def test_escalating_with_no_attempt_is_refused_and_stays_local(lsp: Services) -> None:
    issue = await raise_issue(lsp.engine, GMB)
    out = await lsp.engine.partnerships.escalate(GMB, issue, "We have talked about it a lot.")
    assert not out.ok and out.notices == []
    assert "Log at least one attempt at local level that did not resolve it" in out.reply_text
    row = await issue_row(lsp.engine, issue)
    assert row.stage == Stage.LOCAL and row.level == "local"
    assert (await lsp.engine.partnerships.log_attempt(REP, issue, ATTEMPT)).ok
    out = await lsp.engine.partnerships.escalate(GMB, issue, None)  # an attempt, but no reasons: what is missing
    assert not out.ok and "why the options for resolution at this level are exhausted" in out.reply_text
    assert (await issue_row(lsp.engine, issue)).stage == Stage.LOCAL


async def test_a_partner_union_escalates_without_the_nasuwt_reps_consent(lsp: Services) -> None:
    issue = await raise_issue(lsp.engine, REP)  # raised by the NASUWT rep
    assert (await lsp.engine.partnerships.log_attempt(REP, issue, ATTEMPT)).ok
    out = await lsp.engine.partnerships.escalate(UNS, issue, "The employer will not meet the support staff unions.")
    assert out.ok, out.reply_text
    row = await issue_row(lsp.engine, issue)
    assert (row.stage, row.level, row.revision) == (Stage.REGIONAL_ASKED, "regional", 2)
    told = [n for n in out.notices if isinstance(n.to, ToSpace) and n.to.thread == f"issue:{issue}"]
    assert told and "Uma UNISON (UNISON) escalated it to the regional level" in told[0].as_plain()
    assert [b.label for b in told[0].buttons] == ["Add a note"]  # the others may add a note that travels with it
    [asked] = [n for n in out.notices if isinstance(n.to, ToPerson)]
    assert asked.to.person.label == "Rowan Regional"
    assert [b.label for b in asked.buttons] == ["Acknowledge", "Refer back", "This is casework"]
    plain = asked.as_plain()
    assert ISSUE["description"] in plain and ATTEMPT["tried"] in plain and "Local: 23 Nov 2026" in plain
    assert "The employer will not meet the support staff unions." in plain
    note = await lsp.engine.partnerships.add_note(REP, issue, "NASUWT would have tried one more meeting.")
    assert note.ok, note.reply_text
    [card] = [n for n in note.notices if isinstance(n.to, ToPerson)]
    assert "NASUWT would have tried one more meeting." in card.as_plain() and card.replaces == f"issue:{issue}:regional:r2"


async def test_two_concurrent_escalations_make_one(lsp: Services, db_url: str, clock: Clock) -> None:
    issue = await raise_issue(lsp.engine, GMB)
    assert (await lsp.engine.partnerships.log_attempt(GMB, issue, ATTEMPT)).ok
    a = Services.build(Settings(DATABASE_URL=db_url), clock=clock)
    b = Services.build(Settings(DATABASE_URL=db_url), clock=clock)
    try:
        results = await asyncio.gather(
            a.engine.partnerships.escalate(GMB, issue, "GMB: options exhausted"),
            b.engine.partnerships.escalate(UNS, issue, "UNISON: options exhausted"),
            a.engine.partnerships.escalate(UNS, issue, "UNISON again (a double click)"),
        )
        assert [r.ok for r in results].count(True) == 1
        for loser in (r for r in results if not r.ok):
            assert "Already done:" in loser.reply_text and loser.notices == []
        async with lsp.sessions() as s:
            escalations = (await s.execute(select(func.count()).select_from(PartnershipEvent)
                                           .where(PartnershipEvent.action == "escalate"))).scalar_one()  # fmt: skip
            reasons = (await s.execute(select(func.count()).select_from(IssueNote).where(IssueNote.kind == "exhausted"))).scalar_one()
        assert escalations == 1 and reasons == 1
        assert (await issue_row(lsp.engine, issue)).revision == 2
    finally:
        await a.close()
        await b.close()


async def test_refer_back_then_escalating_again_needs_a_new_attempt(lsp: Services) -> None:
    issue = await to_regional(lsp.engine, GMB)
    p = lsp.engine.partnerships
    out = await p.refer_back(REGIONAL, issue, None)
    assert not out.ok and "Give your reasons" in out.reply_text
    out = await p.refer_back(REGIONAL, issue, "The local authority's adviser has not been asked yet.")
    assert out.ok, out.reply_text
    row = await issue_row(lsp.engine, issue)
    assert (row.stage, row.level, row.revision) == (Stage.LOCAL, "local", 3)
    again = await p.escalate(GMB, issue, "Still exhausted.")
    assert not again.ok and "Log at least one attempt at local level" in again.reply_text  # the earlier attempt was another round
    assert (await p.log_attempt(LA, issue, {**ATTEMPT, "tried": "Asked the LA adviser to mediate"})).ok
    assert (await p.escalate(GMB, issue, "The adviser's mediation failed too.")).ok
    assert (await issue_row(lsp.engine, issue)).stage == Stage.REGIONAL_ASKED


async def test_regional_and_national_levels_work_the_same_record(lsp: Services) -> None:
    issue = await to_regional(lsp.engine, GMB)
    p = lsp.engine.partnerships
    out = await p.log_attempt(REGIONAL, issue, ATTEMPT)
    assert not out.ok  # acknowledge first
    assert (await p.acknowledge(REGIONAL, issue)).ok
    assert not (await p.escalate(REGIONAL, issue, "exhausted")).ok  # needs an attempt at regional level
    assert (await p.log_attempt(REGIONAL, issue, {**ATTEMPT, "tried": "Met the regional employers' panel"})).ok
    out = await p.escalate(REGIONAL, issue, "The regional panel cannot change a national policy.")
    assert out.ok, out.reply_text
    [national] = [n for n in out.notices if isinstance(n.to, ToPerson) and n.to.person.label == "Nell National"]
    assert "Met the regional employers' panel" in national.as_plain() and "Regional: 23 Nov 2026" in national.as_plain()
    assert not (await p.log_attempt(GMB, issue, ATTEMPT)).ok  # local members no longer act on it, but may note
    assert (await p.acknowledge(NATIONAL, issue)).ok
    out = await p.resolve(NATIONAL, issue, "National guidance on cover to be issued to all schools.")
    assert out.ok, out.reply_text
    row = await issue_row(lsp.engine, issue)
    assert (row.stage, row.level) == (Stage.CONFIRMING, "national")
    [posted] = [n for n in out.notices if isinstance(n.to, ToSpace) and n.to.thread]
    assert "it closes on" in posted.as_plain() and "10 working days" in posted.as_plain()
    out = await p.confirm(UNS, issue)  # a local member confirms it
    assert out.ok
    row = await issue_row(lsp.engine, issue)
    assert row.stage == Stage.RESOLVED and row.closed_at is not None


async def test_casework_at_regional_leaves_no_summary_text_in_the_database(lsp: Services) -> None:
    issue = await to_regional(lsp.engine, GMB)
    p = lsp.engine.partnerships
    assert (await p.acknowledge(REGIONAL, issue)).ok
    assert (await p.add_note(UNS, issue, "It is mostly about Mrs Jones's contract, really.")).ok
    out = await p.casework(REGIONAL, issue)
    assert out.ok, out.reply_text
    assert all(n.replaces or (isinstance(n.to, ToSpace) and n.to.thread) for n in out.notices)
    said = [ISSUE["title"], ISSUE["description"], ISSUE["group_affected"], ATTEMPT["tried"], ATTEMPT["outcome"],
            "The heads' side will not discuss it again this year.", "Mrs Jones"]  # fmt: skip
    async with lsp.sessions() as s:
        dump = []
        for table in ("issues", "issue_attempts", "issue_notes", "partnership_events", "posted_messages", "outbox"):
            dump += [repr(tuple(r)) for r in (await s.execute(text(f"SELECT * FROM {table}"))).all()]
    everything = "\n".join(dump)
    for words in said:
        assert words not in everything
    row = await issue_row(lsp.engine, issue)
    assert row.stage == Stage.CASEWORK and row.erased_at is not None
    actions = [e.action for e in await _events(lsp, issue)]
    assert actions[-1] == "casework" and "escalate" in actions  # the audit keeps that it happened
    assert not (await p.log_attempt(REGIONAL, issue, ATTEMPT)).ok


async def _events(svc: Services, issue: int) -> list[PartnershipEvent]:
    async with svc.sessions() as s:
        return list((await s.execute(select(PartnershipEvent).where(PartnershipEvent.issue_id == issue)
                                     .order_by(PartnershipEvent.id))).scalars())  # fmt: skip


async def test_audit_events_of_the_partnerships_cannot_be_changed(lsp: Services) -> None:
    await raise_issue(lsp.engine, GMB)
    async with lsp.sessions() as s:
        ev = (await s.execute(select(PartnershipEvent))).scalars().first()
        assert ev is not None
        ev.action = "rewritten"
        with pytest.raises(RuntimeError, match="append-only"):
            await s.flush()


# --------------------------------------------------------------------------- remit and protocol


async def test_an_issue_outside_the_remit_goes_to_the_next_review_of_the_remit(lsp: Services) -> None:
    issue = await raise_issue(lsp.engine, GMB, remit_area="other", other_area="School meals supervision")
    row = await issue_row(lsp.engine, issue)
    assert not row.in_remit and row.remit_area == "School meals supervision"
    out = await lsp.engine.dispatch.press(REP, Payload("propose_remit", issue))
    assert out.ok, out.reply_text  # type: ignore[union-attr]
    again = await lsp.engine.dispatch.press(REP, Payload("propose_remit", issue))
    assert not again.ok and "Already done" in again.reply_text  # type: ignore[union-attr]
    form = await lsp.engine.dispatch.press(SEC, Payload("review_remit", 1))
    assert getattr(form, "id", None) == "remit"
    assert any("School meals supervision (#1)" in n for n in form.notes)  # type: ignore[union-attr]
    parties = next(f for f in form.fields if f.name == "parties")  # type: ignore[union-attr]
    assert [o.value for o in parties.options] == ["NASUWT", "GMB", "UNISON", "Unite", "NAHT", "local authority"]
    out = await lsp.engine.partnerships.review(SEC, 1, "remit", {
        "remit": "Better communications\nSchool meals supervision\nFair play and rewards for support staff",
        "parties": "NASUWT,GMB,UNISON,local authority", "next_review": "2027-03-31",
    })  # fmt: skip
    assert out.ok, out.reply_text
    assert "Not at this review: Unite, NAHT." in out.notices[0].as_plain()
    async with lsp.sessions() as s:
        doc = (await s.execute(select(PartnershipDocument).where(PartnershipDocument.kind == "remit")
                               .order_by(PartnershipDocument.version.desc()))).scalars().first()  # fmt: skip
    assert doc is not None and doc.version == 2 and doc.body["areas"][1] == "School meals supervision"
    assert doc.parties == ["GMB", "NASUWT", "UNISON", "local authority"] and doc.next_review_on.isoformat() == "2027-03-31"
    refused = await lsp.engine.partnerships.review(NEM, 1, "protocol", {"parties": "NASUWT"})
    assert not refused.ok and "Only members of the Leeds partnership" in refused.reply_text
    report = "\n".join(await lsp.engine.partnerships.report("leeds"))
    assert "Remit, version 2" in report and "School meals supervision" in report and "Protocol, version 1" in report


# --------------------------------------------------------------------------- what each level sees


async def test_the_national_level_sees_counts_only(lsp: Services) -> None:
    first = await to_regional(lsp.engine, GMB)
    await raise_issue(lsp.engine, UNS, title="Performance management of support staff")
    assert (await lsp.engine.partnerships.acknowledge(REGIONAL, first)).ok
    rows_ = await lsp.engine.partnerships.counts({"England"})
    assert {(r.level.value, r.issues) for r in rows_} == {("local", 2), ("regional", 1)}
    from flows.partnership.report import counts_csv

    csv_text = counts_csv(rows_)
    assert csv_text.splitlines()[0] == "theme,region,level,issues,open_at_level,median_days_at_level"
    for local_detail in (ISSUE["title"], "Leeds", ISSUE["group_affected"], "Performance management of support staff"):
        assert local_detail not in csv_text
    sections = await lsp.engine.dispatch.status_sections(NATIONAL)
    assert any(s.heading.startswith("Issues at the national level") for s in sections)
    regional = next(s for s in await lsp.engine.dispatch.status_sections(REGIONAL) if "regional level" in s.heading)
    [item] = regional.items
    assert "days at local" in item.detail and "days at regional" in item.detail


# --------------------------------------------------------------------------- concerns about a scheme member


async def test_a_concern_about_a_scheme_member_runs_on_the_ladder_and_shows_on_revocation(lsp: Services) -> None:
    emp = await to_joined(lsp.engine)
    sections = await lsp.engine.dispatch.status_sections(REP)
    concerns = next(s for s in sections if s.heading.startswith("Employers in the scheme"))
    [item] = concerns.items
    assert item.title == "Oakfield Primary School" and [b.label for b in item.buttons] == ["Raise a concern"]
    screen = await lsp.engine.dispatch.press(REP, Payload.of(item.buttons[0]))
    assert getattr(screen, "id", None) == "screen"
    out = await lsp.engine.partnerships.raise_concern(REP, emp, {**ISSUE, "title": "Restructure without consultation"})
    assert out.ok, out.reply_text
    assert any(isinstance(n.to, ToPerson) and n.to.person.label == "Nia NEM" for n in out.notices)
    issue = await raise_issue(lsp.engine, GMB)  # another issue, not linked
    async with lsp.sessions() as s:
        linked = (await s.execute(select(Issue).where(Issue.employer_id == emp))).scalar_one()
    assert linked.id != issue
    assert (await lsp.engine.partnerships.log_attempt(GMB, linked.id, ATTEMPT)).ok
    form = await lsp.engine.dispatch.press(NEM, Payload("revoke", emp))
    notes = " ".join(getattr(form, "notes", ()))
    assert "Restructure without consultation" in notes and ATTEMPT["tried"] in notes
    assert "Revocation is for an employer that acts outwith the agreed policy" in notes  # the form's own note stays


# --------------------------------------------------------------------------- the command line


def test_the_partnership_from_the_command_line(fresh_url: str, tmp_path: Path) -> None:
    assert vws(fresh_url, "db", "upgrade").returncode == 0
    directory = tmp_path / "directory.yaml"
    directory.write_text(PARTNERSHIP_DIRECTORY)
    loaded = vws(fresh_url, "directory", "load", str(directory))
    assert loaded.returncode == 0 and "added local social partnership Leeds (Leeds City Council)" in loaded.stdout
    out = vws(fresh_url, "partnership", "leeds city")
    assert out.returncode == 0, out.stderr
    assert "Leeds local social partnership (Leeds City Council; Yorkshire and the Humber, England)" in out.stdout
    assert "Remit, version 1" in out.stdout and "Focus and participation:" in out.stdout and "Open issues: 0" in out.stdout
    out = vws(fresh_url, "issues", "--csv")
    assert out.returncode == 0 and out.stdout.startswith("theme,region,level,issues")
    bad = tmp_path / "bad.yaml"
    bad.write_text(PARTNERSHIP_DIRECTORY.replace("NAHT: [{slack: U0NAH1", "NUT: [{slack: U0NAH1"))
    refused = vws(fresh_url, "directory", "load", str(bad))
    assert refused.returncode == 1 and "partnerships[0] (Leeds).members: 'NUT' is not a side" in refused.stderr
    assert "Nothing was loaded." in refused.stderr


def test_every_message_the_partnership_names_by_pattern_is_in_the_catalogue() -> None:
    from flows.core.roles import Role
    from flows.partnership.journey import Level
    from flows.wording import en
    from models.partnership_inputs import PROTOCOL_THEMES, RESULTS

    ids = [f"issue.{kind}.{s.value}" for kind in ("stage", "next", "level.next") for s in Stage]
    ids += [f"note.{k}" for k in ("exhausted", "note", "refer_back", "resolution", "reopen")]
    ids += [f"attempt.result.{r}" for r in RESULTS] + [f"level.{lv.value}" for lv in Level]
    ids += [f"protocol.{k}.{t}" for k in ("theme", "hint") for t in PROTOCOL_THEMES] + ["doc.remit", "doc.protocol"]
    ids += [f"form.{f}.{part}" for f in ("resolution", "escalate", "note", "refer_back", "reopen")
            for part in ("title", "heading", "submit", "field", "hint", "note")]  # fmt: skip
    ids += [f"status.{lv}.heading" for lv in ("regional", "national")] + [f"role.{r.value}" for r in Role]
    ids += [f"command.{w}" for w in ("issue", "concern", "partnership", "issues", "remit", "protocol")]
    ids += ["escalated.reply", "escalated.reply.nobody"]
    assert [i for i in ids if i not in en.MESSAGES] == []


async def test_in_chat_a_partnership_is_shown_to_its_members_only(lsp: Services) -> None:
    await to_regional(lsp.engine, GMB)
    shown = await lsp.engine.dispatch.command(REGIONAL, "partnership leeds")
    assert "Only members of the Leeds partnership" in shown.reply_text  # type: ignore[union-attr]
    shown = await lsp.engine.dispatch.command(UNS, "partnership")
    assert "Open issues: 1" in shown.reply_text and ISSUE["title"] in shown.reply_text  # type: ignore[union-attr]
    counts = await lsp.engine.dispatch.command(NATIONAL, "issues csv")
    assert "theme,region,level" in counts.reply_text and ISSUE["title"] not in counts.reply_text  # type: ignore[union-attr]
    refused = await lsp.engine.dispatch.command(UNS, "issues")
    assert "Only the national contacts" in refused.reply_text  # type: ignore[union-attr]


async def test_a_regional_contact_sees_their_own_regions_issues_only(lsp: Services) -> None:
    other = PARTNERSHIP_DIRECTORY.replace("regions:\n", "regions:\n  - name: North West\n    contacts: [U0NTD1]\n", 1) + (
        "  - name: Wigan\n    local_authority: Wigan Council\n    region: North West\n    nation: England\n"
        "    members: {GMB: [{slack: U0WIG1, name: Wendy Wigan}]}\n"
    )
    await lsp.load_directory(other)
    leeds = await to_regional(lsp.engine, GMB)
    async with lsp.sessions() as s:
        wigan_id = (await s.execute(select(Partnership.id).where(Partnership.name == "Wigan"))).scalar_one()
    wendy = slack("U0WIG1")
    wigan = await raise_issue(lsp.engine, wendy, title="Wigan's cover rota")
    assert (await issue_row(lsp.engine, wigan)).partnership_id == wigan_id
    assert (await lsp.engine.partnerships.log_attempt(wendy, wigan, ATTEMPT)).ok
    assert (await lsp.engine.partnerships.escalate(wendy, wigan, "Exhausted in Wigan too.")).ok
    [yorkshire] = [s for s in await lsp.engine.dispatch.status_sections(REGIONAL) if "regional level" in s.heading]
    assert [i.title for i in yorkshire.items] == [f"Issue #{leeds}: {ISSUE['title']}"]
    [north_west] = [s for s in await lsp.engine.dispatch.status_sections(NATIONAL_DEPUTY) if "regional level" in s.heading]
    assert [i.title for i in north_west.items] == [f"Issue #{wigan}: Wigan's cover rota"]


async def test_the_partnership_report_shows_each_open_issue_with_its_ladder_attempts_and_the_history(lsp: Services) -> None:
    issue = await to_regional(lsp.engine, GMB)
    report = "\n".join(await lsp.engine.partnerships.report("leeds"))
    assert f"#{issue} {ISSUE['title']}" in report and ATTEMPT["tried"] in report
    assert "Local: 23 Nov 2026 to 23 Nov 2026 (0 days)" in report and "Regional: since 23 Nov 2026" in report
    history = report.split("History:", 1)[1]
    for done in ("raised the issue in the partnership", "logged an attempt at local level", "escalated it to the regional level"):
        assert any("Gary GMB" in line and line.endswith(f"#{issue} {done}") for line in history.splitlines()), history


async def test_a_concern_named_exactly_after_an_employer_outside_the_scheme_does_not_open_on_another(
    lsp: Services,
) -> None:
    from tests.test_journey import PROPOSAL

    await to_joined(lsp.engine)  # Oakfield Primary School, in the scheme
    assert (await lsp.engine.propose(REP, {**PROPOSAL, "employer_name": "Oakfield"})).ok  # not (yet) in it
    out = await lsp.engine.dispatch.command(REP, "concern oakfield")
    assert getattr(out, "id", None) != "screen"  # not Oakfield Primary School's form: "Oakfield" was typed
    assert getattr(out, "ok", None) is False and "Which employer in the scheme?" in out.reply_text  # type: ignore[union-attr]
    out = await lsp.engine.dispatch.command(REP, "concern oakfield primary")
    assert getattr(out, "id", None) == "screen"
