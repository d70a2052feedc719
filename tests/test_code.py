"""The Best Value Code through the dispatcher (the adapters' entry): the code as data, positions,
committee, indicators against annual targets, contractors, reminders on the working-day clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.clock import sweep
from bot.delivery import Recorder
from bot.services import Services
from bot.settings import Settings
from flows.bestvalue import template
from flows.bestvalue.indicators import report
from flows.bestvalue.report import as_lines, as_rows
from flows.calendar import DEFAULT_HOURS, Nation
from flows.core.payload import Payload
from flows.notices import ToPerson
from models.bestvalue import CodeAdoption, CodeClause, CodeEvent, CodeSection, CodeTemplate
from tests.code_fixtures import CODE_DIRECTORY, GMB_B, UNS_B, agree_all, mark, ok, start
from tests.conftest import Clock

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
async def services(db_url: str, clock: Clock) -> AsyncIterator[Services]:
    svc = Services.build(Settings(DATABASE_URL=db_url), clock=clock)
    await svc.start()
    await svc.load_directory(CODE_DIRECTORY)
    yield svc
    await svc.close()


async def adopted(services: Services) -> int:
    engine = services.engine
    aid = await start(engine)
    await agree_all(engine, aid)
    ok(await engine.dispatch.press(GMB_B, Payload("code_submit", aid)))
    ok(await engine.dispatch.press(GMB_B, Payload("code_committee_rest", aid)))
    return aid


async def test_the_template_has_the_seeds_twelve_sections_and_loading_twice_changes_nothing(services: Services) -> None:
    async with services.sessions() as s, s.begin():
        assert await template.load(s, template.bundled()) == (1, True)
    async with services.sessions() as s, s.begin():
        assert await template.load(s, template.bundled()) == (1, False)
        sections = (await s.execute(select(CodeSection).order_by(CodeSection.number))).scalars().all()
        clauses = (await s.execute(select(CodeClause).order_by(CodeClause.section_number, CodeClause.number))).scalars().all()
        assert await s.scalar(select(func.count()).select_from(CodeTemplate)) == 1
    assert [x.title for x in sections] == [
        "Consultation and involvement in Best Value", "Commitment to in-house services", "Information disclosure",
        "Continuous workplace improvement", "Best Value management", "Changes to working practices",
        "Application of new technology and new equipment and assessing impact", "Training and development",
        "Redeployment", "Equalities", "Contract Compliance", "Single Status",
    ]  # fmt: skip
    per_section = [sum(1 for c in clauses if c.section_number == n) for n in range(1, 13)]
    assert per_section == [5, 5, 3, 3, 3, 3, 4, 5, 2, 9, 7, 2]
    by_ref = {c.ref: c.text for c in clauses}
    assert by_ref["3.2"].startswith("Consultation on the selection of benchmarking partners")
    assert by_ref["8.4"] == ("Access to other training schemes including the TUC, UNISON's Open College, Further "
                             "Education schemes run by other recognised trade unions, professional training and "
                             "further education bodies.")  # the seed splits it across two lines  # fmt: skip
    assert by_ref["11.7"] == "Trade union recognition and collective bargaining rights on all contracts."
    async with services.sessions() as s:
        code = await template.code_of(s, 1)
    assert len(code.criteria) == 5 and code.criteria[0].text == "Terms and conditions of employment, including sub-contractors"


async def test_a_new_version_keeps_adoptions_on_theirs_and_changed_text_needs_a_new_version(services: Services) -> None:
    aid = await start(services.engine)
    changed = template.bundled().replace("Equal pay for work of equal value.", "Equal pay for work of equal value, audited.")
    async with services.sessions() as s, s.begin():
        with pytest.raises(template.TemplateError, match="already loaded with different text"):
            await template.load(s, changed)
    async with services.sessions() as s, s.begin():
        assert await template.load(s, changed.replace("version: 1", "version: 2", 1)) == (2, True)
    async with services.sessions() as s:
        row = await s.get(CodeAdoption, aid)
        assert row is not None and row.template.version == 1
    other = await services.engine.dispatch.submit(UNS_B, Payload("code_start"), {
        "employer_name": "Leeds Teaching Hospitals", "employer_kind": "trust", "association": "Leeds", "branches": "UNISON"})
    assert other.ok, other.reply_text
    async with services.sessions() as s:
        newest = (await s.execute(select(CodeAdoption).order_by(CodeAdoption.id.desc()))).scalars().first()
        assert newest is not None and newest.template.version == 2


async def test_a_clause_settles_only_when_both_branches_have_spoken(services: Services) -> None:
    engine = services.engine
    aid = await start(engine)
    out = ok(await mark(engine, GMB_B, aid, "1.1"))
    assert "0 of 51 clauses are settled" in out.reply_text
    again = ok(await mark(engine, GMB_B, aid, "1.1"))
    assert not again.changed and "already gave that position" in again.reply_text
    ok(await mark(engine, UNS_B, aid, "1.1", "park"))
    assert "0 of 51" in ok(await mark(engine, GMB_B, aid, "1.2")).reply_text  # parked is not settled
    out = ok(await mark(engine, UNS_B, aid, "1.1", "amend", local_text="Trade union representation on every board.",
                        reason="The council has no area planning"))  # fmt: skip
    assert "1 of 51 clauses are settled" in out.reply_text
    unite = await engine.dispatch.submit(UNS_B.__class__(slack="U0UTE1"), Payload("code_mark", aid), {"clause": "1.1", "position": "agreed"})
    assert not unite.ok and "Only" in unite.reply_text  # Unite's branch is not taking part
    async with services.sessions() as s:
        actions = [e.action for e in (await s.execute(select(CodeEvent).order_by(CodeEvent.id))).scalars()]
    assert actions == ["code_start", "code_mark", "code_mark", "code_mark", "code_mark"]


async def test_submit_lists_the_unsettled_clause(services: Services) -> None:
    engine = services.engine
    aid = await start(engine)
    await agree_all(engine, aid, skip=("10.4",))
    out = await engine.dispatch.press(GMB_B, Payload("code_submit", aid))
    assert not out.ok and "(10.4)" in out.reply_text
    ok(await mark(engine, GMB_B, aid, "10.4", "not_agreed", reason="Targets belong in the plan, not the code"))
    out = ok(await engine.dispatch.press(GMB_B, Payload("code_submit", aid)))
    space = out.notices[0].as_plain()
    assert "10.4 Equality performance targets" in space and "Not agreed by GMB: Targets belong in the plan" in space


async def test_an_indicator_below_its_target_shows_below_in_the_report(services: Services) -> None:
    engine = services.engine
    aid = await adopted(services)
    out = ok(await engine.dispatch.submit(GMB_B, Payload("code_indicator", aid), {
        "about": "10.3", "name": "Service reviews with an equality impact assessment", "unit": "%", "baseline": "60",
        "direction": "higher", "priority": "high", "measurable": "objective", "targets": "2027-28: 90; 2028-29: 95"}))
    assert "targets 2027-28: 90%; 2028-29: 95%" in out.reply_text
    [line] = (await report(engine, aid)).indicators  # type: ignore[union-attr]
    out = ok(await engine.dispatch.submit(GMB_B, Payload("code_actual", aid, value=str(line.id)),
                                          {"indicator": str(line.id), "period": "2027/28", "value": "85%"}))
    assert "85%, below target (target 90%)" in out.reply_text
    rep = await report(engine, aid)
    assert rep is not None
    assert rep.indicators[0].years == [("2027-28", 90.0, 85.0, "below"), ("2028-29", 95.0, None, "no_data")]
    text = "\n".join(as_lines(rep))
    assert "2027-28: target 90%, actual 85%: below target" in text and "2028-29: target 95%, actual -%: no data" in text
    assert "10.3: GMB Agreed as written, UNISON Agreed as written; committee: approved" in text
    assert ["indicator", "10.3", "Service reviews with an equality impact assessment", "%", "higher", "high",
            "objective", "60", "2027-28", "90", "85", "below"] in as_rows(rep)  # fmt: skip
    bad = await engine.dispatch.submit(GMB_B, Payload("code_indicator", aid), {
        "about": "10.3", "name": "Something", "targets": "2027-29: 90"})
    assert not bad.ok and "targets" in bad.errors


async def sweep_at(services: Services, clock: Clock, at: datetime) -> list:  # type: ignore[type-arg]
    clock.set(at)
    rec = Recorder()
    await sweep(services, rec, at)
    return rec.notices


async def test_a_contractor_who_does_not_answer_is_chased_once_after_ten_working_days(services: Services, clock: Clock) -> None:
    engine = services.engine
    aid = await adopted(services)
    seek = ok(await engine.dispatch.submit(GMB_B, Payload("code_seek", aid), {"contract": "School meals 2027", "contractor": "Acme Catering"}))
    [draft] = seek.notices
    assert "commitment to adopt and implement the Best Value Code" in draft.as_plain() and draft.files
    sent_at = datetime(2026, 12, 14, 16, 30, tzinfo=LONDON).astimezone(UTC)  # Monday 14 December, 16:30
    clock.set(sent_at)
    [button] = draft.buttons
    ok(await engine.dispatch.press(GMB_B, Payload(button.action, button.employer_id)))
    # Ten working days, skipping Christmas Day and Boxing Day (Saturday, so Monday 28th in lieu).
    due = DEFAULT_HOURS.add_working_days(sent_at, 10, Nation.ENGLAND)
    assert due.astimezone(LONDON) == datetime(2026, 12, 30, 16, 30, tzinfo=LONDON)
    chased: list = []  # type: ignore[type-arg]
    at = sent_at
    while at < sent_at + timedelta(days=30):
        at += timedelta(hours=2)
        for n in await sweep_at(services, clock, at):
            if "No response yet from Acme Catering" in n.headline:
                chased.append((at, n))
    [(when, notice)] = chased
    assert when.astimezone(LONDON) == datetime(2026, 12, 30, 16, 30, tzinfo=LONDON)
    assert DEFAULT_HOURS.is_working_moment(when, Nation.ENGLAND)
    assert isinstance(notice.to, ToPerson) and [b.label for b in notice.buttons] == ["Record the response", "Snooze a week"]


async def test_commit_with_exceptions_must_name_existing_clauses(services: Services) -> None:
    engine = services.engine
    aid = await adopted(services)
    ok(await engine.dispatch.submit(GMB_B, Payload("code_seek", aid), {"contract": "Cleaning", "contractor": "Shine Ltd"}))
    ok(await engine.dispatch.press(GMB_B, Payload("code_sent", 1)))
    bad = await engine.dispatch.submit(GMB_B, Payload("code_response", 1), {"response": "commit_exceptions", "exceptions": "11.99"})
    assert not bad.ok and "no clause 11.99" in bad.errors["exceptions"]
    ok(await engine.dispatch.submit(GMB_B, Payload("code_response", 1), {"response": "commit_exceptions", "exceptions": "11.3, 11.6"}))
    ok(await engine.dispatch.press(GMB_B, Payload("code_award", 1)))
    out = ok(await engine.dispatch.submit(GMB_B, Payload("code_delivery", 1), {"clause": "11.7", "period": "2027-28", "delivered": "met"}))
    assert "11.7 for 2027-28: delivered (committed)" in out.reply_text
    wrong = await engine.dispatch.submit(GMB_B, Payload("code_delivery", 1), {"clause": "3.1", "period": "2027-28", "delivered": "met"})
    assert not wrong.ok and "clause" in wrong.errors
    text = "\n".join(as_lines(await report(engine, aid)))  # type: ignore[arg-type]
    assert "Cleaning (Shine Ltd): contract awarded; excepted 11.3, 11.6" in text and "11.7 2027-28: committed, delivered" in text


async def test_clauses_not_discussed_for_twenty_working_days_are_named(services: Services, clock: Clock) -> None:
    engine = services.engine
    aid = await start(engine)
    await agree_all(engine, aid, skip=())
    ok(await mark(engine, GMB_B, aid, "5.1", "park"))
    start_at = clock.at
    due = DEFAULT_HOURS.add_working_days(start_at, 20, Nation.ENGLAND)
    before = await sweep_at(services, clock, due - timedelta(hours=1))
    assert not [n for n in before if "not discussed" in n.headline]
    clock.set(due + timedelta(days=1))  # keep the parked clause quiet past the first moment
    sent = await sweep_at(services, clock, due + timedelta(minutes=5))
    assert not [n for n in sent if "not discussed" in n.headline]  # 5.1 was touched in the first 20 days
    second = DEFAULT_HOURS.add_working_days(due, 20, Nation.ENGLAND)
    sent = await sweep_at(services, clock, second + timedelta(minutes=5))
    [space, lead] = [n for n in sent if "not discussed" in n.headline]
    assert "5.1" in space.as_plain() and "1 clause not discussed" in space.headline


async def test_the_cli_loads_the_template_and_reports_with_csv_and_word(services: Services, tmp_path: object,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    import argparse
    import csv
    import io
    from pathlib import Path

    from bot.cli import cmd_code_report, cmd_code_template_load

    assert await cmd_code_template_load(services, argparse.Namespace(file=None)) == 0
    assert await cmd_code_template_load(services, argparse.Namespace(file=None)) == 0
    out = capsys.readouterr().out
    assert "Loaded version 1 of the Best Value Code." in out and "already loaded: nothing changed" in out
    aid = await adopted(services)
    ok(await services.engine.dispatch.submit(GMB_B, Payload("code_indicator", aid), {
        "about": "11", "name": "Contracts monitored for equal opportunities", "targets": "2027-28: 100"}))
    assert await cmd_code_report(services, argparse.Namespace(employer="leeds city", csv="-", docx=None)) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert ["indicator", "11", "Contracts monitored for equal opportunities", "%", "higher", "medium", "objective", "",
            "2027-28", "100", "", "no_data"] in rows  # fmt: skip
    target = Path(str(tmp_path)) / "code.docx"
    assert await cmd_code_report(services, argparse.Namespace(employer="#1", csv=None, docx=str(target))) == 0
    assert target.read_bytes()[:2] == b"PK"  # a Word document is a zip
    assert await cmd_code_report(services, argparse.Namespace(employer="nowhere", csv=None, docx=None)) == 1


async def test_the_owner_is_asked_for_the_actual_after_the_year_ends_and_the_review_falls_due(services: Services,
                                                                                             clock: Clock) -> None:  # fmt: skip
    engine = services.engine
    aid = await adopted(services)
    ok(await engine.dispatch.submit(UNS_B, Payload("code_indicator", aid), {
        "about": "8.2", "name": "Staff with a training plan", "targets": "2027-28: 80", "owner": ""}))
    # 31 March 2028 is a Friday: the year ends, and the owner hears on Monday 3 April at 08:00.
    sent = await sweep_at(services, clock, datetime(2028, 4, 3, 8, 5, tzinfo=LONDON).astimezone(UTC))
    [ask] = [n for n in sent if "Record the actual" in n.headline]
    assert isinstance(ask.to, ToPerson) and ask.to.person.label == "U0UNS1"
    assert [b.label for b in ask.buttons] == ["Record actual", "Snooze a week"]
    review = [n for n in sent if "annual review" in n.headline]
    assert review and [b.label for b in review[0].buttons] == ["Code reviewed", "Snooze a week"]
    again = await sweep_at(services, clock, datetime(2028, 4, 3, 9, 0, tzinfo=LONDON).astimezone(UTC))
    assert not [n for n in again if "Record the actual" in n.headline]  # once


async def test_a_committee_decision_pending_nudges_the_lead(services: Services, clock: Clock) -> None:
    engine = services.engine
    aid = await start(engine)
    await agree_all(engine, aid)
    ok(await engine.dispatch.press(GMB_B, Payload("code_submit", aid)))
    due = DEFAULT_HOURS.add_working_days(clock.at, 20, Nation.ENGLAND)
    sent = await sweep_at(services, clock, due)
    [nudge] = [n for n in sent if "Committee decision pending" in n.headline]
    assert "51 outcomes to record" in nudge.as_plain()


def test_typed_positions() -> None:
    from flows.bestvalue.replies import typed

    assert typed("3.2 agreed") == {"clause": "3.2", "position": "agreed"}
    assert typed("Clause 10.4: park") == {"clause": "10.4", "position": "park", "reason": ""}
    assert typed("3.2 not agreed: the council has no such body") == {
        "clause": "3.2", "position": "not_agreed", "reason": "the council has no such body"}
    assert typed("2.1 amend: No transfer without a ballot; reason: local agreement of 2019") == {
        "clause": "2.1", "position": "amend", "local_text": "No transfer without a ballot", "reason": "local agreement of 2019"}
    assert typed("agree") is None and typed("see 3.2 later") is None


async def test_branches_in_the_directory_are_optional_and_a_bad_one_is_refused_naming_it(services: Services) -> None:
    from flows.directory import DirectoryError, parse_directory

    bad = CODE_DIRECTORY.replace("      GMB: {name: Leeds GMB", "      Unison Scotland: {name: Leeds GMB", 1)
    with pytest.raises(DirectoryError, match=r"local_associations\[0\] \(Leeds\).*not one of the unions"):
        parse_directory(bad)
    changes = await services.load_directory(CODE_DIRECTORY.replace("      GMB: {name: Leeds GMB, reps: [U0GMB1]}\n", ""))
    assert "Leeds: removed the GMB branch" in changes and "removed branch rep U0GMB1 (GMB)" in changes
    out = await services.engine.dispatch.submit(UNS_B, Payload("code_start"), {
        "employer_name": "Leeds City Council", "association": "Leeds", "branches": "GMB,UNISON"})
    assert not out.ok and "Leeds has no GMB branch in the directory (it lists: UNISON)" in out.errors["branches"]


async def test_an_adoption_is_found_by_a_part_of_its_name_in_any_case_welsh_letters_too(services: Services) -> None:
    from flows.bestvalue.indicators import find_adoptions
    from flows.core.payload import Payload
    from tests.code_fixtures import ADOPTION

    first = await start(services.engine)
    ok(await services.engine.dispatch.submit(GMB_B, Payload("code_start"), {**ADOPTION, "employer_name": "Ysgol Gynradd Ŵyr"}))
    assert [a for a, _, _ in await find_adoptions(services.engine, "leeds city")] == [first]
    [(_, name, area)] = await find_adoptions(services.engine, "ŵyr")  # typed in lower case, as on a phone
    assert (name, area) == ("Ysgol Gynradd Ŵyr", "Leeds")
    assert await find_adoptions(services.engine, "%") == []
    assert [a for a, _, _ in await find_adoptions(services.engine, f"#{first}")] == [first]
