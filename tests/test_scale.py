"""National scale: a person's forms, status and clicks read only their own part of the country,
with the same number of queries for a handful of employers as for thousands, and lists that can
outgrow a platform's limit are searched, never cut.

The data set is bench.dataset's national directory (300 associations, 44 NEMs) with a few
employers or a few thousand. Timings belong to bench/national.py, not here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from bench.dataset import People, populate
from bot.services import Services
from bot.settings import Settings
from flows.core.forms import FieldKind, Form
from flows.core.payload import Payload
from flows.directory import Who
from flows.signup.journey import Stage
from models.tables import Employer, LocalAssociation
from tests.conftest import Clock


async def _national(db_url: str, clock: Clock, employers: int) -> tuple[Services, People]:
    svc = Services.build(Settings(DATABASE_URL=db_url), clock=clock)
    await svc.start()
    who = await populate(svc.sessions, employers=employers)
    return svc, who


@pytest.fixture
async def national(db_url: str, clock: Clock) -> AsyncIterator[tuple[Services, People]]:
    svc, who = await _national(db_url, clock, 3000)
    yield svc, who
    await svc.close()


@contextmanager
def counting(svc: Services) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(svc.db.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(svc.db.sync_engine, "before_cursor_execute", count)


async def _busiest_secretary(svc: Services, who: People) -> tuple[str, int]:
    """The Secretary of the association with the most employers waiting for its Secretary."""
    async with svc.sessions() as s:
        rows = (await s.execute(select(Employer.association_id, Employer.id).where(
            Employer.stage == Stage.AWAITING_SECRETARY.value))).all()  # fmt: skip
    counts: dict[int, int] = {}
    for assoc, _ in rows:
        counts[assoc] = counts.get(assoc, 0) + 1
    assoc = max(counts, key=lambda a: counts[a])
    return who.secretaries[assoc - 1], assoc


async def test_a_secretary_sees_exactly_their_own_cases_among_thousands(national: tuple[Services, People]) -> None:
    svc, who = national
    secretary, assoc = await _busiest_secretary(svc, who)
    view = await svc.engine.status_for(Who(slack=secretary))
    assert view is not None
    async with svc.sessions() as s:
        expected = set((await s.execute(select(Employer.id).where(
            Employer.association_id == assoc, Employer.stage == Stage.AWAITING_SECRETARY.value))).scalars())  # fmt: skip
        name = (await s.execute(select(LocalAssociation.name).where(LocalAssociation.id == assoc))).scalar_one()
    approvals = {e.id for e, buttons in view.waiting if [b.label for b in buttons] == ["Approve", "Reject"]}
    assert approvals == expected and expected
    assert all(e.association == name for e, _ in view.waiting)  # nothing from another association


async def test_a_national_officer_gets_a_search_not_a_cut_list(national: tuple[Services, People]) -> None:
    svc, who = national
    nat = Who(slack=who.national)
    form = await svc.engine.dispatch.command(nat, "revoke")
    assert isinstance(form, Form)
    [employer] = [f for f in form.fields if f.name == "employer"]
    assert employer.kind is FieldKind.SEARCH and employer.source == "employers:revoke"
    found = await svc.engine.dispatch.options(nat, employer.source, "Employer 0001")
    assert found and len(found) <= 100 and all(o.label.startswith("Employer 0001") for o in found)
    # the search is of the cases this person may revoke: in the scheme, nationally
    async with svc.sessions() as s:
        stage = (await s.execute(select(Employer.stage).where(Employer.id == int(found[0].value)))).scalar_one()
    assert Stage(stage) in (Stage.JOINED, Stage.REVIEW_DUE, Stage.OBJECTIVE_MET)


async def test_a_name_typed_in_part_is_searched_by_an_index_and_answers_a_page_not_the_country(
    national: tuple[Services, People],
) -> None:
    svc, _ = national
    [one] = await svc.engine.find("00042 sch")  # part of a name, not its start
    assert one.name == "Employer 00042 School"
    many = await svc.engine.find("school", limit=20)  # all 3,000 match: a page of them, in name order
    assert [e.name for e in many] == [f"Employer {i:05d} School" for i in range(20)]
    assert await svc.engine.find("%") == [] and await svc.engine.find("_") == []  # typed, not wildcards
    statements: list[tuple[str, object]] = []

    def seen(conn: object, cursor: object, statement: str, parameters: object, *args: object) -> None:
        if "LIKE" in statement:
            statements.append((statement, parameters))

    event.listen(svc.db.sync_engine, "before_cursor_execute", seen)
    try:
        await svc.engine.find("oakfield")
    finally:
        event.remove(svc.db.sync_engine, "before_cursor_execute", seen)
    [(statement, parameters)] = statements
    if svc.db.dialect.name != "postgresql":
        return  # SQLite, for one process, scans its employers; PostgreSQL searches a trigram index
    async with svc.db.begin() as conn:  # a small table is cheaper to walk: make walking it the dearer plan
        for walk in ("seqscan", "indexscan", "indexonlyscan"):
            await conn.exec_driver_sql(f"SET LOCAL enable_{walk} = off")
        plan = "\n".join(r[0] for r in await conn.exec_driver_sql("EXPLAIN " + statement, parameters))  # type: ignore[arg-type]
    assert "ix_employers_name_key_trgm" in plan, plan


async def test_with_300_associations_the_proposal_form_searches_and_starts_with_the_reps_own(
    national: tuple[Services, People],
) -> None:
    svc, who = national
    rep = Who(slack=who.reps[250])
    form = await svc.engine.dispatch.command(rep, "propose")
    assert isinstance(form, Form)
    [assoc] = [f for f in form.fields if f.name == "association"]
    assert assoc.kind is FieldKind.SEARCH  # 300 would not fit Slack's 100
    assert assoc.initial == who.associations[250] and [o.value for o in assoc.options] == [who.associations[250]]
    typed = await svc.engine.dispatch.options(rep, "associations", "Association 29")
    assert [o.value for o in typed] == [f"Association {n}" for n in range(290, 300)]
    first = await svc.engine.dispatch.options(rep, "associations", "")
    assert first[0].value == who.associations[250] and len(first) == 100


async def _fresh(db_url: str, clock: Clock, employers: int) -> tuple[Services, People]:
    """An empty database with the national directory and ``employers`` cases, where association 0
    has (at least) one case waiting for its Secretary and one waiting for its action plan."""
    from sqlalchemy import text, update

    from models.tables import Base

    svc = Services.build(Settings(DATABASE_URL=db_url), clock=clock)
    async with svc.db.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for t in reversed(Base.metadata.sorted_tables):
                await conn.execute(t.delete())
    await svc.start()
    who = await populate(svc.sessions, employers=employers)
    async with svc.sessions() as s, s.begin():
        for emp, stage in ((1, Stage.AWAITING_SECRETARY), (2, Stage.EMPLOYER_INTRODUCED)):
            await s.execute(update(Employer).where(Employer.id == emp).values(
                association_id=1, stage=stage.value, cycle=0))  # fmt: skip
    return svc, who


async def _costs(svc: Services, who: People) -> dict[str, int]:
    secretary = Who(slack=who.secretaries[0])
    out: dict[str, int] = {}
    with counting(svc) as q:
        await svc.engine.dispatch.command(secretary, "status")
    out["status"] = len(q)
    with counting(svc) as q:
        form = await svc.engine.dispatch.command(secretary, "plan")
    assert isinstance(form, Form)
    out["plan form"] = len(q)
    with counting(svc) as q:
        done = await svc.engine.dispatch.press(secretary, Payload("secretary_approve", 1, 1))
    assert getattr(done, "ok", False), getattr(done, "reply_text", done)
    out["click"] = len(q)
    return out


async def test_a_form_a_status_and_a_click_cost_the_same_queries_for_10_employers_as_for_3000(
    db_url: str, clock: Clock
) -> None:
    costs = []
    for employers in (10, 3000):
        svc, who = await _fresh(db_url, clock, employers)
        try:
            costs.append(await _costs(svc, who))
        finally:
            await svc.close()
    assert costs[0] == costs[1]
    assert costs[1]["status"] <= 11 and costs[1]["plan form"] <= 4 and costs[1]["click"] <= 8, costs


# --------------------------------------------------------------------------- on the platforms


def _many_associations(n: int) -> str:
    """The test directory with ``n`` more associations, each with its own officers and rep."""
    from tests.conftest import DIRECTORY

    more = "".join(
        f"  - name: Area {i:03d}\n    secretary: U1SEC{i:04d}\n    nem: U0NEM1\n    reps: [U1REP{i:04d}]\n"
        for i in range(n)
    )
    return DIRECTORY.replace("admins:", more + "admins:")


async def test_in_slack_a_long_list_is_an_external_select_answered_as_the_rep_types(db_url: str, clock: Clock) -> None:
    from tests.slack_harness import start_world, stop_world
    from tests.test_slack import PROPOSAL, employer_stage

    world = await start_world(db_url, clock, _many_associations(150))
    try:
        await world.command("U0REP1", "propose")
        view = world.top_view("U0REP1")
        block = next(b for b in view["blocks"] if b.get("block_id") == "association")
        assert block["element"]["type"] == "external_select"  # 152 would not fit a static select
        assert block["element"]["initial_option"]["value"] == "Leeds"  # the rep's own, chosen already
        assert [o["value"] for o in await world.slack.suggest("U0REP1", view["id"], "association", "Area 14")] == [
            f"Area {n}" for n in range(140, 150)
        ]
        first = await world.slack.suggest("U0REP1", view["id"], "association", "")
        assert first[0]["value"] == "Leeds" and len(first) == 100
        values = {"employer_name": {"value": {"type": "plain_text_input", "value": PROPOSAL["employer_name"]}},
                  "employer_kind": {"value": {"type": "radio_buttons", "selected_option": {"value": "school"}}},
                  "association": {"value": {"type": "external_select", "selected_option": {"value": "Leeds"}}},
                  "case_for": {"value": {"type": "plain_text_input", "value": PROPOSAL["case_for"]}},
                  "origin": {"value": {"type": "radio_buttons", "selected_option": {"value": "rep_identified"}}}}  # fmt: skip
        sub = await world.slack.view_submission("U0REP1", view["id"], values)
        await world.settle()
        assert sub.status == 200 and not sub.body
        assert await employer_stage(world) is Stage.AWAITING_SECRETARY
    finally:
        await stop_world(world)
