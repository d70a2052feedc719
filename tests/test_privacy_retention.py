"""Retention deletes (or pseudonymises) exactly what is past its period, and running it twice
changes nothing the second time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.services import Services
from flows.privacy.retention import apply
from models.partnership import Issue, IssueNote, Partnership
from models.privacy import PrivacyAction
from models.tables import (
    Employer,
    Event,
    InboundEvent,
    LocalAssociation,
    Nudge,
    OutboxItem,
    PartnerVoice,
    Person,
)
from tests.test_cli import vws
from tests.test_privacy_erase import dump

NOW = datetime(2029, 6, 1, 3, 0, tzinfo=UTC)
DAY = timedelta(days=1)


async def _rows(services: Services) -> None:
    async with services.sessions() as s, s.begin():
        rita = (await s.execute(select(Person.id).where(Person.slack_id == "U0REP1"))).scalar_one()
        leeds = (await s.execute(select(LocalAssociation.id).where(LocalAssociation.name == "Leeds"))).scalar_one()
        for i, (state, sent) in enumerate([("sent", NOW - 91 * DAY), ("sent", NOW - 89 * DAY), ("pending", None),
                                           ("failed", None)]):  # fmt: skip
            nudge = Nudge(kind="review", subject=f"review:{i}", due_at=NOW - 200 * DAY, send_at=NOW - 200 * DAY,
                          state="sent" if sent else "failed", sent_at=sent)  # fmt: skip
            s.add(nudge)
            await s.flush()
            s.add(OutboxItem(lane=f"l{i}", notice={"kind": "review_due", "no": i}, state=state, sent_at=sent,
                             created_at=NOW - 200 * DAY, next_at=NOW - 200 * DAY, nudge_id=nudge.id))  # fmt: skip
        today = NOW.date()
        for slack, left in (("U0OLD1", 91), ("U0NEW1", 89), ("U0BLK1", 100)):
            s.add(Person(slack_id=slack, name=f"Left {slack}", removed_on=today - left * DAY))
        s.add(InboundEvent(platform="slack", event_id="old", received_at=NOW - 8 * DAY))
        s.add(InboundEvent(platform="slack", event_id="new", received_at=NOW - 6 * DAY))
        for name, stage, since in [("Old Withdrawn", "withdrawn", NOW - 13 * 31 * DAY),
                                   ("Old Rejected", "rejected", NOW - 13 * 31 * DAY),
                                   ("New Withdrawn", "withdrawn", NOW - 11 * 30 * DAY),
                                   ("Old Joined", "joined", NOW - 40 * 30 * DAY)]:  # fmt: skip
            await s.flush()
            proposer = rita
            if name == "Old Joined":  # U0BLK1 left the directory, but their case is still open
                proposer = (await s.execute(select(Person.id).where(Person.slack_id == "U0BLK1"))).scalar_one()
            e = Employer(name=name, name_key=name.lower(), kind="school", association_id=leeds, proposer_id=proposer,
                         origin="rep_identified", case_for=f"Notes on {name}", to_employer=f"Dear {name}", stage=stage,
                         stage_since=since)  # fmt: skip
            s.add(e)
            await s.flush()
            s.add(Event(employer_id=e.id, actor_id=rita, action="propose", to_stage=stage, reasons=f"Why {name}", payload={}))
            s.add(PartnerVoice(employer_id=e.id, revision=1, union="GMB", person_id=rita, verdict="disagree",
                               reasons=f"GMB on {name}"))  # fmt: skip
        p = Partnership(name="Leeds LSP", local_authority="Leeds City Council")
        s.add(p)
        await s.flush()
        for title, closed in [("Old closed", NOW - 25 * 31 * DAY), ("New closed", NOW - 23 * 30 * DAY),
                              ("Old open", None)]:  # fmt: skip
            issue = Issue(partnership_id=p.id, stage="resolved" if closed else "local", level="local", title=title,
                          description=f"About {title}", group_affected="Cleaners", raised_by_id=rita,
                          raised_at=NOW - 40 * 30 * DAY, closed_at=closed)  # fmt: skip
            s.add(issue)
            await s.flush()
            s.add(IssueNote(issue_id=issue.id, revision=1, level="local", kind="note", text=f"Note on {title}"))


async def test_retention_deletes_exactly_what_is_past_its_period_and_twice_changes_nothing(services: Services) -> None:
    await _rows(services)
    async with services.sessions() as s, s.begin():
        counts = await apply(s, services.settings, NOW)
    assert counts == {"outbox": 1, "nudges": 3, "inbound_events": 1, "closed proposals' words": 8,
                      "closed issues' text": 1, "people no longer in the directory": 1}  # fmt: skip
    async with services.sessions() as s:
        assert [(o.state, o.lane) for o in (await s.execute(select(OutboxItem).order_by(OutboxItem.id))).scalars()] == [
            ("sent", "l1"), ("pending", "l2"), ("failed", "l3")]  # the one delivered 91 days ago went
        # Nudges: sent 91 days ago, and the two finished without a send (due 200 days ago) went.
        assert [n.subject for n in (await s.execute(select(Nudge))).scalars()] == ["review:1"]
        assert [e.event_id for e in (await s.execute(select(InboundEvent))).scalars()] == ["new"]
        emps = {e.name: e for e in (await s.execute(select(Employer))).scalars()}
        assert emps["Old Withdrawn"].case_for == "(erased)" and emps["Old Rejected"].to_employer == "(erased)"
        assert emps["New Withdrawn"].case_for == "Notes on New Withdrawn"
        assert emps["Old Joined"].case_for == "Notes on Old Joined"
        reasons = {r for (r,) in (await s.execute(select(Event.reasons))).all()}
        assert reasons == {"(erased)", "Why New Withdrawn", "Why Old Joined"}
        voices = sorted(r or "" for (r,) in (await s.execute(select(PartnerVoice.reasons))).all())
        assert voices == ["(erased)", "(erased)", "GMB on New Withdrawn", "GMB on Old Joined"]
        issues = {i.title or f"#{i.id}": i for i in (await s.execute(select(Issue))).scalars()}
        assert set(issues) == {"#1", "New closed", "Old open"}
        assert issues["#1"].description is None and issues["#1"].erased_at == NOW
        notes = sorted(t or "" for (t,) in (await s.execute(select(IssueNote.text))).all())
        assert notes == ["", "Note on New closed", "Note on Old open"]
        left = (await s.execute(select(Person.name, Person.tombstone).where(Person.removed_on.is_not(None))
                                .order_by(Person.id))).all()  # fmt: skip
        # Left 91 days ago: erased; 89 days ago: kept; 100 days ago but their case is open: kept.
        assert [(n, (t or "").startswith("former person #")) for n, t in left] == [
            (None, True), ("Left U0NEW1", False), ("Left U0BLK1", False)]
        recorded = set((await s.execute(select(PrivacyAction.action).distinct())).scalars().all())
        assert recorded == {"retention", "erase"}
    before = await dump(services)
    async with services.sessions() as s, s.begin():
        again = await apply(s, services.settings, NOW)
    assert set(again.values()) == {0}
    assert await dump(services) == before


async def test_vws_retention_dry_run_then_for_real_with_a_unions_own_period(services: Services, db_url: str,
                                                                          monkeypatch) -> None:  # type: ignore[no-untyped-def]
    await _rows(services)
    before = await dump(services)
    dry = vws(db_url, "retention", "--now", "2029-06-01T04:00", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "  outbox: 1" in dry.stdout and "Would change 15 rows past their retention period. Dry run" in dry.stdout
    assert await dump(services) == before
    monkeypatch.setenv("VWS_RETENTION_OUTBOX_DAYS", "30")  # this union keeps delivered notices 30 days
    real = vws(db_url, "retention", "--now", "2029-06-01T04:00")
    assert real.returncode == 0, real.stderr
    assert "  outbox: 2" in real.stdout and "  nudges: 4" in real.stdout and "Changed 17 rows" in real.stdout
    assert "Changed 0 rows" in vws(db_url, "retention", "--now", "2029-06-01T04:00").stdout
    bad = vws(db_url, "retention", "--now", "tomorrow")
    assert bad.returncode == 2 and "--now: 'tomorrow' is not a date and time" in bad.stderr
