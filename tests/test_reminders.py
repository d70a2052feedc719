"""Reminders as the people nudged see them: who gets which message, at which moment, once.

The clock is swept at many moments (every morning, or every hour around a deadline) and the tests
assert on the notices handed to the Deliverer. Times are moved with the ``clock`` fixture.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.clock import sweep
from bot.delivery import Recorder
from bot.services import Services
from flows.engine import Engine
from flows.notices import Kind, Notice, ToPartnerSpace, ToPerson, plain
from flows.reminders import NudgeKind, parse_snooze_value, snooze
from flows.signup.journey import Action, Stage
from models.tables import ActionPlan, Employer, LocalAssociation, WorkplanAction
from tests.conftest import DEP, GMB, NEM, REP, SEC, Clock, slack
from tests.test_journey import PLAN, PROPOSAL, stage, to_partners

LONDON = ZoneInfo("Europe/London")
CHANNEL = "Partner channel"  # sorts before the people named below


def london(y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LONDON).astimezone(UTC)


def who(n: Notice) -> str:
    if isinstance(n.to, ToPartnerSpace):
        return CHANNEL
    assert isinstance(n.to, ToPerson)
    return n.to.person.label


async def sweep_at(services: Services, clock: Clock, at: datetime) -> list[Notice]:
    clock.set(at)
    rec = Recorder()
    await sweep(services, rec, at)
    return rec.notices


async def every_morning(
    services: Services, clock: Clock, first: date, last: date, at: time = time(9)
) -> dict[date, list[Notice]]:
    """Sweep once a day, weekends included, at ``at`` London time; the notices of each day that had any."""
    out: dict[date, list[Notice]] = defaultdict(list)
    d = first
    while d <= last:
        if sent := await sweep_at(services, clock, datetime.combine(d, at, tzinfo=LONDON).astimezone(UTC)):
            out[d] += sent
        d += timedelta(days=1)
    return dict(out)


async def joined_with(engine: Engine, workplan: str) -> int:
    """An employer that joined on Mon 23 Nov 2026 (review due Tue 23 Nov 2027) with this workplan."""
    return await to_joined_plan(engine, {**PLAN, "workplan": workplan})


async def to_joined_plan(engine: Engine, plan: dict[str, object]) -> int:
    emp = await to_partners(engine)
    for rep in (GMB, slack("U0UNS1"), slack("U0UTE1")):
        assert (await engine.decide(rep, emp, Action.PARTNER_AGREE, revision=1)).ok
    assert (await engine.choose_route(REP, emp, "jcc")).ok
    assert (await engine.introduce(REP, emp)).ok
    out = await engine.agree_plan(SEC, emp, plan)
    assert out.ok, out.reply_text
    return emp


async def set_nation(services: Services, nation: str) -> None:
    async with services.sessions() as s, s.begin():
        await s.execute(
            update(LocalAssociation).where(LocalAssociation.name == "Leeds").values(nation=nation)
        )


# --------------------------------------------------------------------------- reviews


async def test_review_nudges_30_and_7_days_before_on_the_day_then_weekly(
    services: Services, engine: Engine, clock: Clock
) -> None:
    emp = await joined_with(engine, "")  # review due Tuesday 23 November 2027
    days = await every_morning(services, clock, date(2027, 10, 1), date(2027, 12, 10))
    # 30 days before is Sunday 24 October: it goes on the Monday.
    assert sorted(days) == [
        date(2027, 10, 25),
        date(2027, 11, 16),
        date(2027, 11, 23),
        date(2027, 11, 30),
        date(2027, 12, 7),
    ]
    for sent in days.values():
        assert sorted(who(n) for n in sent) == sorted([CHANNEL, "Rita Rep", "Sam Secretary"])
        for n in sent:
            assert n.kind is Kind.REMINDER and n.employer_id == emp
            assert [b.label for b in n.buttons] == ["Objective met", "Not met", "Snooze a week"]
            assert "due for review on 23 Nov 2027" in n.as_plain()
    heads = [days[d][0].headline for d in sorted(days)]
    assert heads == [
        "Review due: Oakfield Primary School (in 29 days)",
        "Review due: Oakfield Primary School (in 7 days)",
        "Review due: Oakfield Primary School (today)",
        "Review due: Oakfield Primary School (1 week overdue)",
        "Review due: Oakfield Primary School (2 weeks overdue)",
    ]


async def test_the_clock_marks_the_review_due_on_the_day_once(
    services: Services, engine: Engine, clock: Clock
) -> None:
    emp = await joined_with(engine, "")
    await every_morning(services, clock, date(2027, 11, 20), date(2027, 11, 22))
    assert await stage(engine, emp) is Stage.JOINED
    await every_morning(services, clock, date(2027, 11, 23), date(2027, 12, 1))
    assert await stage(engine, emp) is Stage.REVIEW_DUE
    assert [a.action for a in await engine.audit(emp)].count("review_falls_due") == 1
    # Once reviewed, the reminders stop.
    assert (await engine.review(REP, emp, Action.OBJECTIVE_MET)).ok
    assert await every_morning(services, clock, date(2027, 12, 2), date(2028, 1, 31)) == {}


# --------------------------------------------------------------------------- workplan deadlines


async def test_workplan_deadline_nudges_the_owner_and_channel_then_copies_the_secretary(
    services: Services, engine: Engine, clock: Clock
) -> None:
    workplan = "1 | Train the first aiders | <@U0REP1> | 31/03/2027\n"  # a Wednesday
    emp = await joined_with(engine, workplan)
    days = await every_morning(services, clock, date(2027, 3, 1), date(2027, 4, 30))
    assert {d: sorted(who(n) for n in sent) for d, sent in days.items()} == {
        date(2027, 3, 24): [CHANNEL, "Rita Rep"],  # 7 days before
        date(2027, 3, 31): [CHANNEL, "Rita Rep"],  # on the day
        date(2027, 4, 7): [CHANNEL, "Rita Rep"],  # first overdue nudge
        date(2027, 4, 14): [CHANNEL, "Rita Rep"],  # second
        date(2027, 4, 21): [CHANNEL, "Rita Rep", "Sam Secretary"],  # after two overdue nudges: escalated
        date(2027, 4, 28): [CHANNEL, "Rita Rep", "Sam Secretary"],
    }
    owner = [n for n in days[date(2027, 3, 24)] if who(n) == "Rita Rep"][0]
    assert owner.headline == "Workplan action 1 for Oakfield Primary School: due in 7 days"
    assert "Action 1: Train the first aiders" in owner.as_plain() and "By: 31 Mar 2027" in owner.as_plain()
    assert [b.label for b in owner.buttons] == ["Mark done", "Snooze a week"]
    secretary = [n for n in days[date(2027, 4, 21)] if who(n) == "Sam Secretary"][0]
    assert (
        secretary.headline == "Overdue workplan action: Oakfield Primary School, action 1 (3 weeks overdue)"
    )
    # Marked done, it is never mentioned again.
    plan = await engine.plan_of(emp)
    assert plan is not None
    assert owner.buttons[0].value == str(plan[1][0].id)  # "Mark done" names the action
    assert (await engine.complete_action(REP, plan[1][0].id)).ok
    assert await every_morning(services, clock, date(2027, 5, 1), date(2027, 6, 30)) == {}


async def test_an_owner_outside_the_directory_is_reminded_through_the_channel(
    services: Services, engine: Engine, clock: Clock
) -> None:
    await joined_with(engine, "1 | Agree the training provider | Head teacher | 31/03/2027\n")
    days = await every_morning(services, clock, date(2027, 3, 20), date(2027, 4, 1))
    assert {d: [who(n) for n in sent] for d, sent in days.items()} == {
        date(2027, 3, 24): [CHANNEL],
        date(2027, 3, 31): [CHANNEL],
    }
    assert "Owner: Head teacher." in days[date(2027, 3, 24)][0].as_plain()


# --------------------------------------------------------------------------- approvals and partners


async def test_an_approval_left_waiting_chases_the_secretary_then_the_deputy_and_tells_the_proposer(
    services: Services, engine: Engine, clock: Clock
) -> None:
    out = await engine.propose(REP, PROPOSAL)  # Monday 23 November 2026, 10:00
    emp = out.employer_id
    assert await sweep_at(services, clock, london(2026, 11, 25, 9, 59)) == []
    [chase] = await sweep_at(services, clock, london(2026, 11, 25, 10, 0))  # two working days
    assert (
        who(chase) == "Sam Secretary"
        and chase.headline == "Still waiting for your decision: Oakfield Primary School"
    )
    assert [(b.label, b.action, b.revision) for b in chase.buttons] == [
        ("Approve", "secretary_approve", 1),
        ("Reject", "secretary_reject", 1),
        ("Snooze a week", "snooze", None),
    ]
    assert await sweep_at(services, clock, london(2026, 11, 30, 9, 59)) == []
    five = await sweep_at(services, clock, london(2026, 11, 30, 10, 0))  # five working days
    assert sorted(who(n) for n in five) == ["Rita Rep", "Sam Secretary", "U0DEP1"]
    told = [n for n in five if who(n) == "Rita Rep"][0]
    assert "still waiting" in told.as_plain().lower() and [b.label for b in told.buttons] == ["Snooze a week"]
    deputy = [n for n in five if who(n) == "U0DEP1"][0]
    assert [b.label for b in deputy.buttons] == ["Approve", "Reject", "Snooze a week"]
    # The deputy decides from the reminder; the NEM is then chased, with no deputy to copy.
    clock.set(london(2026, 12, 1, 11, 0))
    assert (await engine.decide(DEP, emp, Action.SECRETARY_APPROVE, revision=1)).ok  # type: ignore[arg-type]
    days = await every_morning(services, clock, date(2026, 12, 1), date(2026, 12, 31), at=time(12))
    assert {d: sorted(who(n) for n in sent) for d, sent in days.items()} == {
        date(2026, 12, 3): ["Nia NEM"],
        date(2026, 12, 8): ["Nia NEM", "Rita Rep"],
    }
    assert [b.action for b in days[date(2026, 12, 3)][0].buttons] == ["nem_approve", "nem_reject", "snooze"]


async def test_partner_agreement_waiting_names_the_unions_that_have_not_spoken(
    services: Services, engine: Engine, clock: Clock
) -> None:
    emp = await to_partners(engine)  # Monday 23 November 2026, 10:00
    assert (await engine.decide(GMB, emp, Action.PARTNER_AGREE, revision=1)).ok
    assert await sweep_at(services, clock, london(2026, 11, 26, 9, 59)) == []
    [nudge] = await sweep_at(services, clock, london(2026, 11, 26, 10, 0))  # three working days
    assert who(nudge) == CHANNEL and nudge.kind is Kind.REMINDER
    assert nudge.headline == "Still waiting for UNISON and Unite: Oakfield Primary School"
    assert "Still to answer: UNISON, Unite." in nudge.as_plain() and "GMB" not in plain(nudge.body[0])
    assert [b.label for b in nudge.buttons] == ["Agree", "Disagree", "Snooze a week"]
    assert await every_morning(services, clock, date(2026, 11, 27), date(2026, 12, 31)) == {}


# --------------------------------------------------------------------------- working time


@pytest.mark.parametrize(
    ("nation", "first_morning"),
    [
        ("England", london(2026, 11, 30, 8, 0)),
        ("Wales", london(2026, 11, 30, 8, 0)),
        ("Scotland", london(2026, 12, 1, 8, 0)),  # Monday 30 November is St Andrew's Day
    ],
)
async def test_bank_holidays_follow_the_associations_nation(
    services: Services, engine: Engine, clock: Clock, nation: str, first_morning: datetime
) -> None:
    await set_nation(services, nation)
    await joined_with(engine, "1 | Book the room | <@U0REP1> | 07/12/2026\n")  # 7 days before: Mon 30 Nov
    sent_at = []
    at = london(2026, 11, 29, 0, 0)
    while at < london(2026, 12, 2, 0, 0):
        if await sweep_at(services, clock, at):
            sent_at.append(at)
        at += timedelta(minutes=30)
    assert sent_at == [first_morning]


async def test_one_sweep_keeps_each_nations_own_bank_holidays(services: Services, engine: Engine, clock: Clock) -> None:
    # The same workplan in Leeds (England) and in a Scottish association: St Andrew's Day (Monday
    # 30 November) holds back only the Scottish nudge, to Tuesday; one sweep reads both nations.
    emp = await joined_with(engine, "1 | Book the room | <@U0REP1> | 07/12/2026\n")
    async with services.sessions() as s, s.begin():
        src = await s.get(Employer, emp)
        assert src is not None
        leeds = await s.get(LocalAssociation, src.association_id)
        assert leeds is not None
        fife = LocalAssociation(name="Fife", region="Scotland", nation="Scotland", secretary_id=leeds.secretary_id,
                                nem_id=leeds.nem_id)  # fmt: skip
        s.add(fife)
        await s.flush()

        def copied(row: object, **changes: object) -> dict[str, object]:
            table = row.__table__  # type: ignore[attr-defined]
            return {**{c.key: getattr(row, c.key) for c in table.columns if c.key != "id"}, **changes}

        glen = Employer(**copied(src, association_id=fife.id, name="Glenwood Primary School",
                                 name_key="glenwood primary school"))  # fmt: skip
        s.add(glen)
        await s.flush()
        plan = (await s.execute(select(ActionPlan).where(ActionPlan.employer_id == emp))).scalar_one()
        plan2 = ActionPlan(**copied(plan, employer_id=glen.id))
        s.add(plan2)
        await s.flush()
        for action in (await s.execute(select(WorkplanAction).where(WorkplanAction.plan_id == plan.id))).scalars():
            s.add(WorkplanAction(**copied(action, plan_id=plan2.id)))
    sent: dict[str, list[datetime]] = defaultdict(list)
    at = london(2026, 11, 29, 0, 0)
    while at < london(2026, 12, 2, 0, 0):
        for n in await sweep_at(services, clock, at):
            if isinstance(n.to, ToPartnerSpace):
                sent[n.headline.split(" for ")[1].split(":")[0]].append(at)
        at += timedelta(minutes=30)
    assert dict(sent) == {"Oakfield Primary School": [london(2026, 11, 30, 8, 0)],
                          "Glenwood Primary School": [london(2026, 12, 1, 8, 0)]}  # fmt: skip


async def test_christmas_and_the_weekend_defer_to_the_next_working_morning(
    services: Services, engine: Engine, clock: Clock
) -> None:
    # Due Friday 1 January 2027: 7 days before is Christmas Day; Boxing Day falls on a Saturday,
    # so Monday 28 December is its substitute. The nudge goes on Tuesday 29 December.
    await joined_with(engine, "1 | Book the room | <@U0REP1> | 01/01/2027\n")
    days = await every_morning(services, clock, date(2026, 12, 20), date(2027, 1, 10), at=time(8))
    assert {d: days[d][0].headline for d in days} == {
        date(2026, 12, 29): "Workplan action 1 for Oakfield Primary School: due in 3 days",
        date(2027, 1, 4): "Workplan action 1 for Oakfield Primary School: 3 days overdue",  # New Year's Day
        date(2027, 1, 8): "Workplan action 1 for Oakfield Primary School: 1 week overdue",
    }


async def test_nothing_goes_at_weekends_or_out_of_hours(
    services: Services, engine: Engine, clock: Clock
) -> None:
    await joined_with(engine, "1 | Book the room | <@U0REP1> | 12/12/2026\n")  # a Saturday
    sent_at = []
    at = london(2026, 12, 4, 0, 0)
    while at < london(2026, 12, 16, 0, 0):
        if await sweep_at(services, clock, at):
            sent_at.append(at.astimezone(LONDON))
        at += timedelta(hours=1)
    # 7 days before and on the day both fall on Saturdays: each goes on the Monday at 08:00.
    assert [(a.date(), a.time()) for a in sent_at] == [
        (date(2026, 12, 7), time(8)),
        (date(2026, 12, 14), time(8)),
    ]


async def test_found_out_of_hours_it_waits_for_the_next_working_morning(
    services: Services, engine: Engine, clock: Clock
) -> None:
    await joined_with(engine, "1 | Book the room | <@U0REP1> | 31/03/2027\n")
    await sweep_at(services, clock, london(2027, 3, 23, 17, 0))
    # The clock was down all Wednesday 24 March, when the 7-days-before nudge fell due.
    assert await sweep_at(services, clock, london(2027, 3, 24, 19, 30)) == []
    assert await sweep_at(services, clock, london(2027, 3, 25, 7, 59)) == []
    sent = await sweep_at(services, clock, london(2027, 3, 25, 8, 0))
    assert sorted(who(n) for n in sent) == [CHANNEL, "Rita Rep"]
    assert await sweep_at(services, clock, london(2027, 3, 25, 12, 0)) == []


async def test_the_october_clock_change_moves_nothing_by_an_hour(
    services: Services, engine: Engine, clock: Clock
) -> None:
    # Due Monday 25 October 2027 (BST); the first overdue nudge is Monday 1 November (GMT).
    await joined_with(engine, "1 | Book the room | <@U0REP1> | 25/10/2027\n")
    await sweep_at(services, clock, datetime(2027, 10, 24, 12, tzinfo=UTC))
    assert await sweep_at(services, clock, datetime(2027, 10, 25, 6, 59, tzinfo=UTC)) == []
    assert await sweep_at(services, clock, datetime(2027, 10, 25, 7, 0, tzinfo=UTC))  # 08:00 BST
    assert await sweep_at(services, clock, datetime(2027, 11, 1, 7, 0, tzinfo=UTC)) == []  # 07:00 GMT
    sent = await sweep_at(services, clock, datetime(2027, 11, 1, 8, 0, tzinfo=UTC))  # 08:00 GMT
    assert sent and sent[0].headline.endswith("1 week overdue")


async def test_the_march_clock_change_moves_nothing_by_an_hour(
    services: Services, engine: Engine, clock: Clock
) -> None:
    # Due Tuesday 23 March 2027 (GMT); the first overdue nudge is Tuesday 30 March (BST).
    await joined_with(engine, "1 | Book the room | <@U0REP1> | 23/03/2027\n")
    await sweep_at(services, clock, datetime(2027, 3, 22, 12, tzinfo=UTC))
    assert await sweep_at(services, clock, datetime(2027, 3, 23, 7, 59, tzinfo=UTC)) == []
    assert await sweep_at(services, clock, datetime(2027, 3, 23, 8, 0, tzinfo=UTC))  # 08:00 GMT
    assert await sweep_at(services, clock, datetime(2027, 3, 30, 6, 59, tzinfo=UTC)) == []
    sent = await sweep_at(services, clock, datetime(2027, 3, 30, 7, 0, tzinfo=UTC))  # 08:00 BST
    assert sent and sent[0].headline.endswith("1 week overdue")


# --------------------------------------------------------------------------- snooze


async def test_snoozing_a_review_reminder_skips_that_person_for_a_week(
    services: Services, engine: Engine, clock: Clock
) -> None:
    await joined_with(engine, "")
    await sweep_at(services, clock, london(2027, 11, 1))
    seven_before = await sweep_at(services, clock, london(2027, 11, 16, 9, 0))
    mine = [n for n in seven_before if who(n) == "Sam Secretary"][0]
    [button] = [b for b in mine.buttons if b.action == "snooze"]
    kind, subject = parse_snooze_value(button.value or "")
    out = await snooze(engine, SEC, kind, subject, clock())
    assert out.ok and "until Tuesday 23 November at 09:00" in out.reply_text
    assert "partner channel still" in out.reply_text
    on_the_day = await sweep_at(services, clock, london(2027, 11, 23, 8, 0))
    assert sorted(who(n) for n in on_the_day) == [CHANNEL, "Rita Rep"]
    a_week_on = await sweep_at(services, clock, london(2027, 11, 30, 8, 0))
    assert sorted(who(n) for n in a_week_on) == [CHANNEL, "Rita Rep", "Sam Secretary"]


async def test_a_snoozed_approval_chase_still_reaches_the_deputy_and_proposer(
    services: Services, engine: Engine, clock: Clock
) -> None:
    await engine.propose(REP, PROPOSAL)
    [chase] = await sweep_at(services, clock, london(2026, 11, 25, 10, 0))
    kind, subject = parse_snooze_value(chase.buttons[-1].value or "")
    assert kind == NudgeKind.APPROVAL
    out = await snooze(engine, SEC, kind, subject, clock())
    assert out.ok and "partner channel" not in out.reply_text
    five = await sweep_at(services, clock, london(2026, 11, 30, 10, 0))
    assert sorted(who(n) for n in five) == ["Rita Rep", "U0DEP1"]


async def test_snooze_refuses_strangers_and_reminders_that_do_not_exist(
    services: Services, engine: Engine, clock: Clock
) -> None:
    await joined_with(engine, "")
    stranger = await snooze(engine, slack("U0NOBODY"), "review", "plan:1", clock())
    assert not stranger.ok and "not in the VWS directory" in stranger.reply_text
    for kind, subject in (("review", "plan:999"), ("weather", "plan:1"), ("review", "employer:1")):
        out = await snooze(engine, NEM, kind, subject, clock())
        assert not out.ok and "Nothing has changed" in out.reply_text
    # Snoozing twice just moves the end of the snooze.
    assert (await snooze(engine.sessions, SEC, "review", "plan:1", clock())).ok
    assert (await snooze(engine.sessions, SEC, "review", "plan:1", clock())).ok


async def test_in_vws_serve_a_nudge_with_nothing_left_to_say_counts_as_sent(services: Services, clock: Clock) -> None:
    # A process's nudge whose use case ran (exactly once) and had nobody to tell: the clock, as
    # `vws serve` runs it (into the outbox), records it sent, not queued for ever.
    from bot.outbox import OutboxSink
    from flows.notices import Outcome
    from flows.reminders.sources import SOURCES, DueNudge, Prepared, Source, register
    from models.tables import Nudge, OutboxItem

    at = london(2027, 3, 16, 9, 0)
    ran: list[str] = []

    async def find(s: Any, now: datetime, since: datetime | None, hours: Any) -> Any:
        yield DueNudge("quiet_test", "subject:1", at, at)

    async def act(engine: Any) -> Outcome:
        ran.append("act")
        return Outcome(ok=True, reply=plain("done"))

    async def prepare(s: Any, keys: Any, now: datetime, hours: Any, snoozes: Any) -> list[Prepared]:
        return [Prepared(act=act) for _ in keys]

    async def describe(s: Any, kind: str, subject: str) -> None:
        return None

    register(Source("quiet-test", frozenset({"quiet_test"}), find, prepare, describe))
    try:
        clock.set(at)
        await sweep(services, OutboxSink(services.sessions, services.engine.now), at)
        await sweep(services, OutboxSink(services.sessions, services.engine.now), at)  # once, not again
    finally:
        SOURCES.pop("quiet-test")
    async with services.sessions() as s:
        nudge = (await s.execute(select(Nudge).where(Nudge.kind == "quiet_test"))).scalar_one()
        rows = (await s.execute(select(OutboxItem).where(OutboxItem.nudge_id == nudge.id))).scalars().all()
    assert ran == ["act"] and rows == [] and nudge.state == "sent"
