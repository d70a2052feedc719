"""A partnership's remit and protocol: versioned text, each version with the sides that took part
in the review that agreed it, and when the next review falls due.

A new partnership starts from WAMG's 2008 minimum remit and the four themes of its model
protocol (seed 004): "it is not WAMG's intention to be directive", so the first review is at the
partnership's next meeting, where it makes them its own. Reviews are of the remit "in its
entirety", yearly unless the partnership sets otherwise.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.core.unit import Check, Core, Refusal, nothing_changed, run
from flows.directory import Who
from flows.notices import Kind, Notice, Outcome
from flows.partnership.case import PartnershipCase, PartnershipSteps, missing_from_space, ref, space
from flows.partnership.journey import DOC_TABLE, DocAction
from flows.wording import day, say, say_str
from models.partnership import Issue, Partnership, PartnershipDocument, PartnershipMember
from models.partnership_inputs import PROTOCOL_THEMES, ProtocolIn, RemitIn

REMIT, PROTOCOL = "remit", "protocol"

#: The 2008 minimum remit: the National Agreement, and what the guidance added to it.
MINIMUM_REMIT: tuple[tuple[str, bool], ...] = (  # (area, in England only)
    ("Implementing the National Agreement: raising standards and tackling workload", False),
    ("Better communications", False),
    ("School workforce change teams", False),
    ("Monitoring issues arising from compliance with relevant statutory regulations", False),
    ("Fair play and rewards for support staff", False),
    ("Extended services", True),
    ("Performance management", True),
)

#: The model protocol's four themes, with a starting text drawn from WAMG's note.
MODEL_PROTOCOL: dict[str, str] = {
    "focus_participation": (
        "All relevant partners take part, support staff unions included, with a renewed focus on the key "
        "implementation issues ahead."
    ),
    "ways_of_working": (
        "Regular meetings with all relevant partners; clarity, openness and a positive working culture that "
        "lets the partnership deliver its remit."
    ),
    "communication_dissemination": (
        "An open working relationship with schools and the local authority; what the partnership agrees is "
        "shared with schools and with each side's members."
    ),
    "processes": (
        "Issues are resolved at as local a level as possible and escalated (regional, then national) only "
        "once options at the previous level are exhausted. Individual casework stays outside this process."
    ),
}


def next_meeting(p: Partnership, today: date) -> date | None:
    """The partnership's next meeting on or after ``today`` (rolled on by its cadence)."""
    if p.next_meeting is None:
        return None
    d = p.next_meeting
    if p.meet_every_weeks and d < today:
        d += timedelta(weeks=-(-(today - d).days // (7 * p.meet_every_weeks)) * p.meet_every_weeks)
    return d if d >= today else None


def minimum_remit(nation: str) -> list[str]:
    return [area for area, england_only in MINIMUM_REMIT if nation == "England" or not england_only]


def first_versions(row: Partnership, today: date, review_on: date) -> list[PartnershipDocument]:
    """Version 1 of the remit and of the protocol: WAMG's starting point, not yet reviewed locally."""
    at = datetime.combine(today, time(0), tzinfo=UTC)
    return [
        PartnershipDocument(partnership_id=row.id, kind=REMIT, version=1, body={"areas": minimum_remit(row.nation)},
                            parties=[], agreed_on=today, next_review_on=review_on, recorded_at=at),
        PartnershipDocument(partnership_id=row.id, kind=PROTOCOL, version=1, body={"themes": dict(MODEL_PROTOCOL)},
                            parties=[], agreed_on=today, next_review_on=review_on, recorded_at=at),
    ]  # fmt: skip


async def current(s: AsyncSession, partnership_id: int, kind: str) -> PartnershipDocument | None:
    """The latest version of a partnership's remit or protocol."""
    q = (
        select(PartnershipDocument)
        .where(PartnershipDocument.partnership_id == partnership_id, PartnershipDocument.kind == kind)
        .order_by(PartnershipDocument.version.desc())
        .limit(1)
    )
    return (await s.execute(q)).scalar_one_or_none()


def areas_of(doc: PartnershipDocument | None) -> list[str]:
    return list((doc.body or {}).get("areas", [])) if doc is not None else []


def text_of(doc: PartnershipDocument) -> list[str]:
    """A version as lines of text (the remit's areas, or the protocol's themes)."""
    if doc.kind == REMIT:
        return [f"• {a}" for a in areas_of(doc)]
    themes = (doc.body or {}).get("themes", {})
    return [f"{say_str(f'protocol.theme.{t}')}: {themes.get(t, '')}" for t in PROTOCOL_THEMES]


async def parties_of(s: AsyncSession, partnership_id: int) -> list[str]:
    """The sides that sit on a partnership, in the directory's order."""
    from flows.directory import PARTIES

    found = set(
        (await s.execute(select(PartnershipMember.party).where(PartnershipMember.partnership_id == partnership_id))).scalars()
    )
    return [p for p in PARTIES if p in found]


async def proposed_areas(s: AsyncSession, partnership_id: int, since: Any) -> list[tuple[int, str]]:
    """Areas asked to be added to the remit (from issues outside it) since the last review."""
    rows = await s.execute(
        select(Issue.id, Issue.remit_area)
        .where(Issue.partnership_id == partnership_id, Issue.remit_proposed_at.is_not(None),
               Issue.remit_proposed_at > since, Issue.remit_area.is_not(None))
        .order_by(Issue.id)
    )  # fmt: skip
    return [(i, a) for i, a in rows.all() if a]


# --------------------------------------------------------------------------- the reviews


def _known_parties(case: PartnershipCase, got: Any) -> bool:
    doc = got.get("remit") or got.get("protocol")
    return bool(doc) and set(doc.parties) <= set(case.sides)


def _unknown_parties(case: PartnershipCase, got: Any) -> str:
    return say_str("review.unknown_parties", parties=", ".join(case.sides))


def _future(case: PartnershipCase, got: Any) -> bool:
    doc = got.get("remit") or got.get("protocol")
    return doc is None or doc.next_review is None or (case.core is not None and doc.next_review > case.core.today())


PartnershipSteps.checks = {
    a.value: (
        Check("sides of the partnership", _known_parties, "parties", _unknown_parties),
        Check("next review in the future", _future, "next_review", lambda c, g: say_str("review.next_future")),
    )
    for a in DocAction
}


async def review(core: Core, who: Who, partnership_id: int, kind: str, answers: dict[str, Any]) -> Outcome:
    """Record a review of the remit (or protocol) in its entirety: a new version, who took part, the next review."""
    action = DocAction.REVIEW_REMIT if kind == REMIT else DocAction.REVIEW_PROTOCOL
    t = DOC_TABLE.row(action)
    steps = PartnershipSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, partnership_id)
        case.sides = tuple(await parties_of(s, case.id))
        got = await steps.check(s, t, case, inputs=answers)
        doc_in: RemitIn | ProtocolIn = got[kind]
        last = await current(s, case.id, kind)
        version = (last.version if last else 0) + 1
        today = core.today()
        months = case.row.review_every_months
        next_review = doc_in.next_review or _months_after(today, months)
        await steps.move(s, t, case, payload={"kind": kind, "version": version, "parties": sorted(doc_in.parties)})
        content = {"areas": doc_in.areas} if isinstance(doc_in, RemitIn) else {"themes": doc_in.themes}
        s.add(PartnershipDocument(
            partnership_id=case.id, kind=kind, version=version, body=content, parties=sorted(doc_in.parties),
            agreed_on=today, next_review_on=next_review, recorded_by_id=case.person.id if case.person else None,
            recorded_at=core.now(),
        ))  # fmt: skip
        await s.flush()
        doc = await current(s, case.id, kind)
        assert doc is not None
        absent = [p for p in case.sides if p not in doc.parties]
        body_lines = [say("review.posted.body", who=ref(case.person), kind=say_str(f"doc.{kind}"), version=version)]
        if absent:
            body_lines.append(say("review.posted.absent", parties=", ".join(absent)))
        return Outcome(
            ok=True,
            changed=True,
            reply=say("review.reply", kind=say_str(f"doc.{kind}"), version=version, partnership=case.row.name,
                      next_review=next_review),
            notices=[Notice(
                Kind.PROGRESS,
                await space(s, case.row),
                say_str("review.posted.headline", kind=say_str(f"doc.{kind}").capitalize(), partnership=case.row.name, version=version),
                body=tuple(body_lines),
                facts=((say_str(f"doc.{kind}").capitalize(), "\n".join(text_of(doc))),
                       (say_str("fact.took_part"), ", ".join(doc.parties)),
                       (say_str("fact.next_review"), day(next_review))),
                next_step=say("nothing_to_do"),
            ), *await missing_from_space(s, case.row, case.person)],
        )  # fmt: skip

    return await run(core, body)


def _months_after(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    for dd in (d.day, 30, 29, 28):
        try:
            return date(d.year + y, m + 1, dd)
        except ValueError:
            continue
    return d + timedelta(days=30 * months)


async def count_versions(s: AsyncSession, partnership_id: int, kind: str) -> int:
    return int(
        (
            await s.execute(
                select(func.count(PartnershipDocument.id)).where(
                    PartnershipDocument.partnership_id == partnership_id, PartnershipDocument.kind == kind
                )
            )
        ).scalar_one()
    )


def refuse_not_member(name: str) -> Refusal:
    return Refusal(say("partnership.only_members", partnership=name, nothing_changed=nothing_changed()))
