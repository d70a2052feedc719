"""A national data set: 300 local associations in the nations and regions, 44 NEMs, officers and
reps for each, and N employers in mixed stages (most in the scheme, with plans and workplans).

    from bench.dataset import populate
    people = await populate(services.sessions, employers=30_000)

It writes straight into the tables (bulk inserts, a few thousand rows a statement), so a large
set takes seconds; :class:`People` names who holds which role, for the benchmarks' requests.
Deterministic for a seed. Used by bench/national.py and by tests/test_scale.py.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from flows.signup.journey import Stage
from models.privacy import SharingBasis
from models.tables import (
    ActionPlan,
    Employer,
    Held,
    LocalAssociation,
    NationalOffice,
    PartnerVoice,
    Person,
    PostedMessage,
    Role,
    WorkplanAction,
)

NATIONS = [("England", 0.82), ("Wales", 0.08), ("Scotland", 0.07), ("Northern Ireland", 0.03)]
REGIONS = {
    "England": ["North East", "North West", "Yorkshire and the Humber", "East Midlands", "West Midlands",
                "East of England", "London", "South East", "South West"],
    "Wales": ["Wales"], "Scotland": ["Scotland"], "Northern Ireland": ["Northern Ireland"],
}  # fmt: skip
#: How the cases spread over the journey (the rest are in the scheme, with a plan).
WAITING_STAGES = [
    (Stage.AWAITING_SECRETARY, 0.02), (Stage.AWAITING_NEM, 0.015), (Stage.PARTNER_CONSULTATION, 0.015),
    (Stage.PARTNERS_AGREED, 0.005), (Stage.ROUTE_AGREED, 0.005), (Stage.EMPLOYER_INTRODUCED, 0.01),
    (Stage.REJECTED, 0.01), (Stage.WITHDRAWN, 0.01), (Stage.REVOKED, 0.005), (Stage.REVIEW_DUE, 0.02),
    (Stage.OBJECTIVE_MET, 0.01),
]  # fmt: skip
NOW = datetime(2027, 3, 16, 9, 0, tzinfo=UTC)
#: The stages whose case has its partner unions' channel open (they were consulted).
SPACE_OPEN = {Stage.PARTNER_CONSULTATION, Stage.PARTNERS_AGREED, Stage.ROUTE_AGREED, Stage.EMPLOYER_INTRODUCED,
              Stage.JOINED, Stage.REVIEW_DUE, Stage.OBJECTIVE_MET, Stage.REVOKED}  # fmt: skip


@dataclass
class People:
    """Who is who in the generated directory (Slack ids), for the benchmarks and tests."""

    secretaries: list[str] = field(default_factory=list)  # by association, in order
    nems: list[str] = field(default_factory=list)  # 44
    reps: list[str] = field(default_factory=list)  # one per association, in order
    partner_reps: dict[str, list[str]] = field(default_factory=dict)  # union -> one per association
    national: str = "U9NAT0000"
    associations: list[str] = field(default_factory=list)
    #: The employers' partner channels already opened (channel id, association index), for the
    #: Slack stand-in to hold: every case past its Secretary and NEM has one, as in real use.
    partner_spaces: list[tuple[str, int]] = field(default_factory=list)


async def _insert(s: AsyncSession, model: Any, rows: list[dict[str, Any]], chunk: int = 2000) -> None:
    for i in range(0, len(rows), chunk):
        if rows[i : i + chunk]:
            await s.execute(insert(model), rows[i : i + chunk])


def _pick(rnd: random.Random, weighted: Iterable[tuple[Any, float]]) -> Any:
    r, total = rnd.random(), 0.0
    for value, weight in weighted:
        total += weight
        if r < total:
            return value
    return None


async def populate(
    sessions: async_sessionmaker[AsyncSession],
    *,
    associations: int = 300,
    nems: int = 44,
    employers: int = 30_000,
    actions_per_plan: int = 3,
    seed: int = 11,
) -> People:
    """Fill an empty (migrated) database with a national directory and ``employers`` cases."""
    rnd = random.Random(seed)
    who = People()
    people: list[dict[str, Any]] = []

    def person(slack_id: str) -> int:
        people.append({"id": len(people) + 1, "slack_id": slack_id, "is_admin": False})
        return len(people)

    nem_ids = [person(f"U9NEM{i:04d}") for i in range(nems)]
    who.nems = [f"U9NEM{i:04d}" for i in range(nems)]
    national = person(who.national)
    assoc_rows: list[dict[str, Any]] = []
    role_rows: list[dict[str, Any]] = [{"person_id": national, "role": Held.NATIONAL_OFFICER, "association_id": None,
                                        "union": "NASUWT"}]  # fmt: skip
    for a in range(associations):
        nation = _pick(rnd, NATIONS) or "England"
        name = f"Association {a:03d}"
        sec = person(f"U9SEC{a:04d}")
        rep = person(f"U9REP{a:04d}")
        assoc_rows.append({"id": a + 1, "name": name, "region": rnd.choice(REGIONS[nation]), "nation": nation,
                           "secretary_id": sec, "deputy_id": None, "nem_id": nem_ids[a % nems]})  # fmt: skip
        who.secretaries.append(f"U9SEC{a:04d}")
        who.reps.append(f"U9REP{a:04d}")
        who.associations.append(name)
        role_rows.append({"person_id": rep, "role": Held.REP, "association_id": a + 1, "union": "NASUWT"})
        for union, code in (("GMB", "GMB"), ("UNISON", "UNS"), ("Unite", "UTE")):
            pid = person(f"U9{code}{a:04d}")
            who.partner_reps.setdefault(union, []).append(f"U9{code}{a:04d}")
            role_rows.append({"person_id": pid, "role": Held.PARTNER_REP, "association_id": a + 1, "union": union})
    emps: list[dict[str, Any]] = []
    plans: list[dict[str, Any]] = []
    acts: list[dict[str, Any]] = []
    voices: list[dict[str, Any]] = []
    spaces: list[dict[str, Any]] = []
    for e in range(employers):
        a = rnd.randrange(associations)
        stage = _pick(rnd, WAITING_STAGES) or Stage.JOINED
        in_scheme = stage in (Stage.JOINED, Stage.REVIEW_DUE, Stage.OBJECTIVE_MET, Stage.REVOKED)
        created = NOW - timedelta(days=rnd.randint(20, 700))
        since = NOW - timedelta(hours=rnd.randint(1, 24 * 30))
        rep_id = 1 + nems + 1 + a * 5 + 1  # the association's rep (see the order people are made in)
        emps.append({
            "id": e + 1, "name": f"Employer {e:05d} School", "name_key": f"employer {e:05d} school", "kind": "school",
            "association_id": a + 1, "proposer_id": rep_id, "origin": "rep_identified",
            "case_for": "The head asked the unions how to improve staff wellbeing.", "stage": stage.value,
            "stage_since": since, "version": 1, "revision": 1, "cycle": 1 if in_scheme else 0,
            "joined_at": created if in_scheme else None, "created_at": created, "updated_at": since,
        })  # fmt: skip
        if stage in SPACE_OPEN:
            channel = f"C9P{e:06d}"
            who.partner_spaces.append((channel, a))
            spaces.append({"platform": "slack", "key": f"partner-space:{e + 1}", "channel": channel, "message_id": "",
                           "thread_id": None, "employer_id": e + 1, "created_at": created})  # fmt: skip
        if stage is Stage.PARTNER_CONSULTATION and rnd.random() < 0.5:
            voices.append({"employer_id": e + 1, "revision": 1, "union": "GMB", "person_id": rep_id + 1,
                           "verdict": "agree", "at": since})  # fmt: skip
        if in_scheme:
            review_on = (NOW + timedelta(days=rnd.randint(-20, 365))).date()
            plan_id = len(plans) + 1
            plans.append({
                "id": plan_id, "employer_id": e + 1, "cycle": 1, "principle": rnd.randint(1, 6),
                "objectives": "Introduce mental health first aiders", "activities": "Train staff",
                "success_criteria": "Six trained", "starts_on": review_on - timedelta(days=365),
                "review_on": review_on, "status": "revoked" if stage is Stage.REVOKED else "active",
                "agreed_at": created,
            })  # fmt: skip
            for n in range(actions_per_plan):
                by = (NOW + timedelta(days=rnd.randint(-60, 300))).date()
                acts.append({"plan_id": plan_id, "number": n + 1, "detail": f"Action {n + 1}", "owner": "Head teacher",
                             "by_date": by, "by_date_text": by.isoformat(),
                             "status": "done" if rnd.random() < 0.3 else "open"})  # fmt: skip
    async with sessions() as s, s.begin():
        await _insert(s, Person, people)
        await _insert(s, LocalAssociation, assoc_rows)
        await _insert(s, Role, role_rows)
        await _insert(s, SharingBasis, [{"union": u, "basis": "agreement", "reference": "bench"}
                                        for u in ("NASUWT", "GMB", "UNISON", "Unite")])  # fmt: skip
        await _insert(s, Employer, emps)
        await _insert(s, ActionPlan, plans)
        await _insert(s, WorkplanAction, acts)
        await _insert(s, PartnerVoice, voices)
        await _insert(s, PostedMessage, spaces)
        await s.merge(NationalOffice(id=1, channel="C9NATIONAL"))
        if s.get_bind().dialect.name == "postgresql":  # ids were given: move the sequences past them
            for table in ("people", "local_associations", "employers", "action_plans"):
                await s.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"COALESCE((SELECT MAX(id) FROM {table}), 1))"))  # fmt: skip
    return who


def today() -> date:
    return NOW.date()
