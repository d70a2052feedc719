"""Starting an adoption, the branches' positions clause by clause, and the submission to committee.

Positions are taken under the adoption's row lock (:meth:`Steps.lock`), so two branches marking
at once are serialised and the one that settles a clause sees the other's position. A branch's
latest position counts, once: clicking twice, or two reps of one branch, is one voice.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.bestvalue import adopted, template
from flows.bestvalue.case import AdoptionCase, AdoptionSteps, adoption_case, load_positions, to
from flows.bestvalue.process import TABLE, Action, Stage
from flows.core.forms import digits
from flows.core.unit import Core, Refusal, nothing_changed, run
from flows.directory import Who
from flows.notices import DOCX, Button, FileRef, Kind, Notice, Outcome, PersonRef, ToSpace
from flows.signup.case import fix_these, person_of, ref
from flows.signup.proposal import name_key
from flows.wording import say, say_str
from models.bestvalue import AdoptionBranch, ClausePosition, CodeAdoption, CodeBranch, CodeEvent
from models.code_schemas import AdoptionIn
from models.schemas import field_errors
from models.tables import Employer, Held, LocalAssociation, Person
from models.tables import Role as RoleRow

FILES = "code_adopted"  # the dispatcher's maker of the Code as adopted (a Word document)


def space(adoption_id: int) -> str:
    """The key of an adoption's private space for its branches."""
    return f"adoption:{adoption_id}"


def section_key(adoption_id: int, number: int) -> str:
    return f"code-section:{adoption_id}:{number}"


def doc_ref(case: AdoptionCase) -> FileRef:
    return FileRef(FILES, case.id, adopted.file_name(case))


def _position_word(position: str) -> str:
    return say_str(f"code.position.{position}")


def section_notice(case: AdoptionCase, number: int, *, replaces: bool = False) -> Notice:
    """A section and its clauses, with each branch's position so far and the buttons to mark them."""
    sec = case.code.section(number)
    assert sec is not None
    body = []
    for c in case.code.in_section(number):
        said = [f"{u}: {_position_word(p.position)}" for u in case.branches if (p := case.positions.get((c.id, u)))]
        state = say_str("code.section.settled") if case.settled(c.id) else "; ".join(said) or say_str("code.section.none_yet")
        body.append(say("code.section.clause", ref=c.ref, text=c.text, state=state))
    settled = sum(1 for c in case.code.in_section(number) if case.settled(c.id))
    buttons: tuple[Button, ...] = ()
    if case.stage is Stage.NEGOTIATING:
        buttons = tuple(replace(b, value=str(number)) for b in TABLE.offer(case, Action.MARK, Action.AGREE_SECTION))
    key = section_key(case.id, number)
    return Notice(
        Kind.PARTNER_REQUEST,
        ToSpace(space(case.id)),
        say_str("code.section.headline", number=number, title=sec.title, settled=settled,
                total=len(case.code.in_section(number))),  # fmt: skip
        body=tuple(body),
        buttons=buttons,
        key=None if replaces else key,
        replaces=key if replaces else None,
        next_step=say("code.section.next", number=number) if buttons else (),
    )


async def _association(s: AsyncSession, name: str) -> LocalAssociation:
    found = (await s.execute(select(LocalAssociation).where(func.lower(LocalAssociation.name) == name.lower()))).scalar_one_or_none()
    if found is None:
        msg = say_str("code.start.no_association", association=name)
        raise Refusal(f"{msg} {nothing_changed()}", {"association": msg})
    return found


async def start(core: Core, who: Who, data: dict[str, Any]) -> Outcome:
    """A branch rep (or the Secretary) opens an adoption with the branches taking part."""
    t = TABLE.row(Action.START)

    async def body(s: AsyncSession) -> Outcome:
        person = await person_of(s, who)
        try:
            p = AdoptionIn.model_validate(data)
        except ValidationError as exc:
            errors = field_errors(exc)
            raise Refusal(f"{fix_these(errors)} {nothing_changed()}", errors) from None
        assoc = await _association(s, p.association)
        mine = set((await s.execute(select(RoleRow.union).where(
            RoleRow.person_id == person.id, RoleRow.association_id == assoc.id, RoleRow.role == Held.BRANCH_REP))).scalars())  # fmt: skip
        if not mine and person.id not in (assoc.secretary_id, assoc.deputy_id):
            raise Refusal(say("code.start.not_yours", area=assoc.name, nothing_changed=nothing_changed()))
        listed = set((await s.execute(select(CodeBranch.union).where(CodeBranch.association_id == assoc.id))).scalars())
        missing = [u for u in p.branches if u not in listed]
        if missing:
            msg = say_str("code.start.no_branch", unions=", ".join(missing), area=assoc.name,
                          listed=", ".join(sorted(listed)) or say_str("none_yet"))  # fmt: skip
            raise Refusal(f"{msg} {nothing_changed()}", {"branches": msg})
        live = (await s.execute(select(CodeAdoption.id).where(
            CodeAdoption.association_id == assoc.id, func.lower(CodeAdoption.employer_name) == p.employer_name.lower()))).first()  # fmt: skip
        if live is not None:
            msg = say_str("code.start.exists", employer=p.employer_name, id=live[0])
            raise Refusal(f"{msg} {nothing_changed()}", {"employer_name": msg})
        tpl = await template.latest(s)
        if tpl is None:  # the bundled code, loaded once
            await template.load(s, template.bundled())
            tpl = await template.latest(s)
            assert tpl is not None
        emp = (await s.execute(select(Employer.id).where(
            Employer.association_id == assoc.id, Employer.name_key == name_key(p.employer_name)))).first()  # fmt: skip
        now = core.now()
        row = CodeAdoption(
            template_id=tpl.id, association_id=assoc.id, employer_id=emp[0] if emp else None,
            employer_name=p.employer_name, employer_kind=p.employer_kind.value, lead_id=person.id,
            stage=Stage.NEGOTIATING.value, stage_since=now, created_at=now, updated_at=now,
        )  # fmt: skip
        s.add(row)
        await s.flush()
        for union in p.branches:
            s.add(AdoptionBranch(adoption_id=row.id, union=union))
        s.add(CodeEvent(adoption_id=row.id, at=now, actor_id=person.id, action=t.action, from_stage=None,
                        to_stage=row.stage, payload={"version": tpl.version, "branches": p.branches}))  # fmt: skip
        await s.flush()
        loaded = await s.get(CodeAdoption, row.id, populate_existing=True)
        assert loaded is not None
        case = await adoption_case(s, core, person, loaded)
        members, unshared = await _members(s, case)
        opening = Notice(
            Kind.PARTNER_REQUEST,
            ToSpace(space(row.id), open_space=True, members=members,
                    name_hint=f"vws-code-{adopted.slug(row.employer_name)}"[:70]),  # fmt: skip
            say_str("code.start.headline", employer=row.employer_name),
            body=(say("code.start.body", lead=ref(person), employer=row.employer_name, title=tpl.title,
                      version=tpl.version, n=len(case.code.clauses), sections=len(case.code.sections)),),  # fmt: skip
            facts=((say_str("code.fact.branches"), ", ".join(p.branches)),
                   (say_str("code.fact.kind"), p.employer_kind.label)),  # fmt: skip
            key=space(row.id),
            next_step=say("code.start.next"),
        )
        sections = [section_notice(case, sec.number) for sec in case.code.sections]
        from flows.privacy.sharing import who_is_missing

        told = who_is_missing(unshared, person, say_str("sharing_space.adoption", employer=row.employer_name),
                              "sharing_space.next.adoption", own={u for p, u in unshared if p.id == person.id} | mine
                              | ({"NASUWT"} if person.id in (assoc.secretary_id, assoc.deputy_id) else set()))  # fmt: skip
        return Outcome(ok=True, changed=True, reply=say("code.start.done", employer=row.employer_name, id=row.id),
                       notices=[opening, *sections, *([told] if told is not None else [])])  # fmt: skip

    return await run(core, body)


async def _members(s: AsyncSession, case: AdoptionCase) -> tuple[tuple[PersonRef, ...], list[tuple[Person, str]]]:
    """Who the adoption's space is for: the branches' reps, the lead and the Secretary; and who
    of them was left out of it for want of a basis for sharing (each with their union)."""
    from flows.privacy.sharing import without_basis

    rows = (await s.execute(select(Person, RoleRow.union).join(RoleRow, RoleRow.person_id == Person.id).where(
        RoleRow.association_id == case.row.association_id, RoleRow.role == Held.BRANCH_REP,
        RoleRow.union.in_(case.branches)).order_by(Person.id))).all()  # fmt: skip
    shown = [(p, union) for p, union in rows]
    shown += [(p, "NASUWT") for p in (case.row.lead, case.row.association.secretary) if p is not None]
    # A shared space: only people whose union has a basis for showing them to the other unions.
    unshared = await without_basis(s, shown)
    left_out = {p.id for p, _ in unshared}
    people: dict[int, Person] = {}
    for p, _union in shown:
        if p.id not in left_out:
            people.setdefault(p.id, p)
    return tuple(PersonRef(p.id, p.label) for p in people.values()), unshared


async def mark(core: Core, who: Who, adoption_id: int, answers: dict[str, Any]) -> Outcome:
    """A branch's position on one clause (by button and form, or typed: "3.2 agreed")."""
    return await _positions(core, who, adoption_id, Action.MARK, answers)


async def agree_section(core: Core, who: Who, adoption_id: int, section: int) -> Outcome:
    """A branch agrees, as written, every clause of a section it has not yet given a position on."""
    return await _positions(core, who, adoption_id, Action.AGREE_SECTION, {"section": section})


async def _positions(core: Core, who: Who, adoption_id: int, act: Action, answers: dict[str, Any]) -> Outcome:
    t = TABLE.row(act)
    steps = AdoptionSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, adoption_id)
        got = await steps.check(s, t, case, inputs=answers)
        await steps.lock(s, case, t)
        await load_positions(s, case)
        union = next(iter(case.unions))
        assert case.person is not None
        if act is Action.MARK:
            wanted = [(got["position"]["clause"], got["position"])]
        else:
            number = int(answers["section"]) if digits(str(answers.get("section", "")), 4) else 0
            clauses = case.code.in_section(number)
            if not clauses:
                raise Refusal(say("code.no_such_section", number=answers.get("section"), nothing_changed=nothing_changed()))
            wanted = [(c, {"position": "agreed", "local_text": None, "reason": None}) for c in clauses
                      if (p := case.positions.get((c.id, union))) is None or p.position == "park"]  # fmt: skip
        was = set(case.unsettled())
        changed: list[str] = []
        for clause, pos in wanted:
            had = case.positions.get((clause.id, union))
            if had is not None and (had.position, had.local_text, had.reason) == (pos["position"], pos["local_text"], pos["reason"]):
                continue
            if had is None:
                had = ClausePosition(adoption_id=case.id, clause_id=clause.id, union=union)
                s.add(had)
                case.positions[(clause.id, union)] = had
            had.person_id, had.position, had.at = case.person.id, pos["position"], core.now()
            had.local_text, had.reason = pos["local_text"], pos["reason"]
            s.add(steps.record(case, t, {"clause": clause.ref, "union": union, "position": pos["position"]}, pos["reason"]))
            changed.append(clause.ref)
        if not changed:
            return Outcome(ok=True, changed=False, reply=say("code.mark.already", union=union))
        await s.flush()
        now_settled = [r for r in was if r not in set(case.unsettled())]
        sections = sorted({case.code.clause(r).section_number for r in changed if case.code.clause(r)})  # type: ignore[union-attr]
        notices = [section_notice(case, n, replaces=True) for n in sections]
        if act is Action.MARK:
            pos = got["position"]
            notices.append(Notice(
                Kind.PARTNER_VOICE, ToSpace(space(case.id)),
                say_str("code.mark.headline", union=union, ref=changed[0], position=_position_word(pos["position"])),
                body=(say("code.mark.body", who=ref(case.person), union=union, ref=changed[0],
                          position=_position_word(pos["position"])),),  # fmt: skip
                facts=tuple((say_str(f"code.fact.{k}"), pos[k]) for k in ("local_text", "reason") if pos[k]),
            ))  # fmt: skip
        left = case.unsettled()
        if now_settled and not left:
            notices += submit_requests(case)
        reply = say("code.mark.done", union=union, refs=", ".join(changed), settled=len(case.code.clauses) - len(left),
                    total=len(case.code.clauses))  # fmt: skip
        return Outcome(ok=True, changed=True, reply=reply, notices=notices)

    return await run(core, body)


def submit_requests(case: AdoptionCase) -> list[Notice]:
    """Every clause is settled: the lead (and the space) are asked to submit the Code to committee."""
    buttons = TABLE.offer(case, Action.SUBMIT)
    head = say_str("code.all_settled.headline", employer=case.name)
    body = (say("code.all_settled.body", n=len(case.code.clauses), employer=case.name),)
    return [
        Notice(Kind.ROUTE_REQUEST, to(case.row.lead), head, body=body, buttons=buttons, next_step=say("code.all_settled.next")),
        Notice(Kind.PROGRESS, ToSpace(space(case.id)), head, body=body, next_step=say("code.all_settled.next")),
    ]


async def submit(core: Core, who: Who, adoption_id: int) -> Outcome:
    """Submit to committee: refused, naming the unsettled clauses, until every clause is settled."""
    t = TABLE.row(Action.SUBMIT)
    steps = AdoptionSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, adoption_id)
        await steps.check(s, t, case)
        now = core.now()
        await steps.move(s, t, case, values={"submitted_at": now})
        text = adopted.paragraphs(case)
        buttons = TABLE.offer(case, Action.COMMITTEE, Action.COMMITTEE_REST)
        return Outcome(
            ok=True, changed=True,
            reply=say("code.submit.done", employer=case.name),
            notices=[
                Notice(Kind.DRAFT, ToSpace(space(case.id)), say_str("code.submit.headline", employer=case.name),
                       body=tuple((p,) for p in text), files=(doc_ref(case),),
                       next_step=say("code.submit.next", lead=ref(case.row.lead))),
                Notice(Kind.PLAN_REQUEST, to(case.row.lead), say_str("code.committee.headline", employer=case.name),
                       body=(say("code.committee.body", employer=case.name, n=len(case.code.clauses)),),
                       buttons=buttons, files=(doc_ref(case),), next_step=say("code.committee.next")),
            ],
        )  # fmt: skip

    return await run(core, body)


async def document(core: Core, adoption_id: int) -> Any:
    """The Code as adopted as a Word document (the dispatcher's file maker); None if there is no such adoption."""
    from flows.core.unit import read
    from flows.notices import File

    async def q(s: AsyncSession) -> File | None:
        row = await s.get(CodeAdoption, adoption_id)
        if row is None:
            return None
        case = await adoption_case(s, core, None, row)
        return File(adopted.file_name(case), DOCX, adopted.document(case))

    return await read(core, q)
