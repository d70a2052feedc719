"""Reports: a partnership's remit, protocol, open issues and history (``vws partnership``); the
national picture as counts only (theme by region by level, median days at each level), with a
CSV export and no local detail (``vws issues``); and, on the revocation form, the issues raised
about the employer on the ladder and what was tried.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.core.forms import Form, digits
from flows.core.roles import Role
from flows.core.unit import Core, read
from flows.directory import Who, find_person
from flows.partnership.case import roles_in
from flows.partnership.documents import PROTOCOL, REMIT, current, next_meeting, text_of
from flows.partnership.journey import OPEN, Level, Stage, what
from flows.partnership.status import events_of
from flows.partnership.summary import attempt_lines, days_at, dossier, history_lines
from flows.wording import day, say_str
from models.partnership import EscalationContact, Issue, Partnership, PartnershipEvent, PartnershipMember
from models.tables import Person


async def find(s: AsyncSession, query: str) -> list[Partnership]:
    """Partnerships named by ``query`` (their name, their local authority, part of either, or ``#id``)."""
    q = " ".join(query.split()).lower()
    if digits(q.lstrip("#")):
        found = await s.get(Partnership, int(q.lstrip("#")))
        return [found] if found else []
    rows = list((await s.execute(select(Partnership).order_by(Partnership.name))).scalars())
    exact = [p for p in rows if q in (p.name.lower(), p.local_authority.lower())]
    return exact or [p for p in rows if q in p.name.lower() or q in p.local_authority.lower()]


async def partnership_report(core: Core, query: str, who: Who | None = None) -> list[str]:
    """A partnership's remit, protocol, open issues and history, as lines of text. With ``who``,
    only for its members; without (the CLI), for whoever runs the command on the server."""

    async def q(s: AsyncSession) -> list[str]:
        person = await find_person(s, who) if who is not None else None
        if who is not None and person is None:
            return [say_str("not_in_directory", nothing_changed="")]
        found = await find(s, query) if query.strip() else []
        if person is not None and not query.strip():
            found = list((await s.execute(
                select(Partnership).join(PartnershipMember, PartnershipMember.partnership_id == Partnership.id)
                .where(PartnershipMember.person_id == person.id).order_by(Partnership.name)
            )).scalars().unique())  # fmt: skip
        if len(found) != 1:
            names = ", ".join(p.name for p in found) or ", ".join(
                (await s.execute(select(Partnership.name).order_by(Partnership.name))).scalars()
            )
            return [say_str("report.which", names=names or say_str("none_yet"))]
        p = found[0]
        if person is not None:  # in chat: its members only (the levels above see what reaches them)
            roles, _ = await roles_in(s, person, p)
            if Role.MEMBER not in roles:
                return [say_str("partnership.only_members", partnership=p.name, nothing_changed="").strip()]
        return await _report(s, core, p)

    return await read(core, q)


async def _report(s: AsyncSession, core: Core, p: Partnership) -> list[str]:
    lines = [say_str("report.title", partnership=p.name, la=p.local_authority, region=p.region, nation=p.nation)]
    members = await s.execute(
        select(PartnershipMember.party, Person).join(Person, Person.id == PartnershipMember.person_id)
        .where(PartnershipMember.partnership_id == p.id).order_by(PartnershipMember.party, Person.id)
    )  # fmt: skip
    by_side: dict[str, list[str]] = defaultdict(list)
    for party, person in members.all():
        by_side[party].append(person.label)
    lines.append(say_str("report.members", members="; ".join(f"{k}: {', '.join(v)}" for k, v in by_side.items())))
    meets = say_str("report.every", n=p.meet_every_weeks) if p.meet_every_weeks else say_str("report.no_cadence")
    upcoming = next_meeting(p, core.today())
    nxt = day(upcoming) if upcoming else say_str("not_yet")
    lines.append(say_str("report.meetings", cadence=meets, next=nxt))
    for kind in (REMIT, PROTOCOL):
        doc = await current(s, p.id, kind)
        if doc is None:
            continue
        took = ", ".join(doc.parties) if doc.parties else say_str("report.not_reviewed")
        lines.append(say_str("report.doc", kind=say_str(f"doc.{kind}").capitalize(), version=doc.version,
                             agreed=day(doc.agreed_on), took=took, review=day(doc.next_review_on)))  # fmt: skip
        lines += [f"    {line}" for line in text_of(doc)]
    issues = list((await s.execute(select(Issue).where(Issue.partnership_id == p.id).order_by(Issue.id))).scalars())
    open_ = [i for i in issues if Stage(i.stage) in OPEN]
    lines.append(say_str("report.open", n=len(open_)))
    for i in open_:
        d = await dossier(s, i)
        lines.append(f"  #{i.id} {i.title or ''} ({Stage(i.stage).label})")
        lines += [f"      {h}" for h in history_lines(d, core)]
        lines += [f"      {a}" for a in attempt_lines(d)]
    lines.append(say_str("report.history"))
    events = await s.execute(
        select(PartnershipEvent, Person).outerjoin(Person, Person.id == PartnershipEvent.actor_id)
        .where(PartnershipEvent.partnership_id == p.id).order_by(PartnershipEvent.id)
    )  # fmt: skip
    for e, actor in events.all():
        about = f"#{e.issue_id} " if e.issue_id else ""
        who = actor.label if actor else say_str("the_bot")
        absent = (e.payload or {}).get("for")
        if isinstance(absent, int) and (them := await s.get(Person, absent)) is not None:
            who = say_str("audit.for", actor=who, absent=them.label)  # acted for someone away
        lines.append(f"  {core.when(e.at):<22} {who:<24} {about}{what(e.action)}")
    return lines


# --------------------------------------------------------------------------- the national picture


@dataclass(frozen=True)
class CountRow:
    theme: str
    region: str
    level: Level
    issues: int  # issues that reached this level
    open_here: int  # of them, open at this level now
    median_days: float  # median days spent at this level


async def counts(core: Core, nations: set[str] | None = None) -> list[CountRow]:
    """Counts only: theme (remit area) by region by level, with the median days at each level.
    No partnership, no title, nothing typed locally (an area outside the remit is counted as such)."""

    async def q(s: AsyncSession) -> list[CountRow]:
        query = select(Issue).join(Partnership, Partnership.id == Issue.partnership_id)
        if nations is not None:
            query = query.where(Partnership.nation.in_(sorted(nations)))
        issues = list((await s.execute(query)).scalars())
        events = await events_of(s, issues)
        groups: dict[tuple[str, str, Level], list[tuple[int, bool]]] = defaultdict(list)
        for i in issues:
            theme = (i.remit_area or say_str("summary.erased")) if i.in_remit else say_str("report.outside_remit")
            for level, days in days_at(i, events[i.id], core.now()).items():
                here = Stage(i.stage) in OPEN and i.level == level.value
                groups[(theme, i.partnership.region, level)].append((days, here))
        return [
            CountRow(theme, region, level, len(v), sum(1 for _, h in v if h), float(median(d for d, _ in v)))
            for (theme, region, level), v in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1], list(Level).index(kv[0][2])))
        ]

    return await read(core, q)


def counts_csv(rows: list[CountRow]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["theme", "region", "level", "issues", "open_at_level", "median_days_at_level"])
    for r in rows:
        w.writerow([r.theme, r.region, r.level.value, r.issues, r.open_here, f"{r.median_days:g}"])
    return buf.getvalue()


def counts_lines(rows: list[CountRow]) -> list[str]:
    if not rows:
        return [say_str("report.no_issues")]
    lines = [say_str("report.counts.head")]
    for r in rows:
        lines.append(say_str("report.counts.row", theme=r.theme, region=r.region, level=r.level.label, n=r.issues,
                             open=r.open_here, days=say_str("report.days", n=1 if r.median_days == 1 else 2, days=f"{r.median_days:g}")))  # fmt: skip
    by_level: dict[Level, list[float]] = defaultdict(list)
    for r in rows:
        by_level[r.level] += [r.median_days] * r.issues
    lines.append(say_str("report.medians", medians="; ".join(
        f"{lv.label} {median(v):g}" for lv, v in sorted(by_level.items(), key=lambda kv: list(Level).index(kv[0])))))  # fmt: skip
    return lines


async def national_areas(core: Core, who: Who) -> set[str] | None:
    """The nations a person is a national contact for (None: not one)."""

    async def q(s: AsyncSession) -> set[str] | None:
        person = await find_person(s, who)
        if person is None:
            return None
        rows = await s.execute(
            select(EscalationContact.area).where(EscalationContact.person_id == person.id,
                                                 EscalationContact.level == Level.NATIONAL.value)
        )  # fmt: skip
        found = set(rows.scalars())
        return found or None

    return await read(core, q)


# --------------------------------------------------------------------------- on the revocation form


async def linked_notes(core: Core, who: Who, form: Form) -> tuple[str, ...]:
    """The issues raised about the employer(s) on the form on the partnership ladder, and what was
    tried: revocation is the last step, after the normal consultation and negotiation machinery."""
    ids: list[int] = []
    if form.payload.subject is not None:
        ids = [form.payload.subject]
    else:
        for f in form.fields:
            if f.name == "employer":
                ids = [int(o.value) for o in f.options if digits(o.value)][:5]

    async def q(s: AsyncSession) -> tuple[str, ...]:
        from models.tables import Employer

        out: list[str] = []
        for eid in ids:
            emp = await s.get(Employer, eid)
            if emp is None:
                continue
            issues = list((await s.execute(select(Issue).where(Issue.employer_id == eid).order_by(Issue.id))).scalars())
            if not issues:
                out.append(say_str("revoke.no_linked", employer=emp.name))
                continue
            for i in issues:
                d = await dossier(s, i)
                tried = "; ".join(attempt_lines(d)) or say_str("revoke.nothing_tried")
                out.append(say_str("revoke.linked", employer=emp.name, id=i.id, title=i.title or say_str("summary.erased"),
                                   partnership=i.partnership.name, stage=Stage(i.stage).label, tried=tried))  # fmt: skip
        return tuple(out)

    return await read(core, q)


async def open_count(s: AsyncSession, partnership_id: int) -> int:
    return int((await s.execute(
        select(func.count(Issue.id)).where(Issue.partnership_id == partnership_id, Issue.stage.in_([x.value for x in OPEN]))
    )).scalar_one())  # fmt: skip
