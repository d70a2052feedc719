"""The route to the employer (a JCC agenda item or a joint letter, with a draft), and the
introduction of the scheme to the employer, after which the action plan is asked for."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from flows import drafts
from flows.core import keys
from flows.core.unit import Core, read, run
from flows.directory import Who
from flows.notices import File, FileRef, Kind, Notice, Outcome, Text, ToPartnerSpace, text
from flows.signup.case import Case, SignupSteps, ref
from flows.signup.journey import TABLE, Action
from flows.wording import say, say_str
from models.schemas import EmployerKind, Route
from models.tables import Employer


def route_request(case: Case) -> Notice:
    emp = case.row
    return Notice(
        Kind.ROUTE_REQUEST,
        ToPartnerSpace(emp.id, in_channel=True),
        say_str("route_request.headline"),
        body=(say("route_request.body", employer=emp.name),),
        buttons=TABLE.offer(case, Action.CHOOSE_ROUTE),
        employer_id=emp.id,
        key=keys.route(emp.id),
        next_step=say("route_request.next"),
    )


def plan_request(emp: Employer, why: str, avoid_principle: int | None = None) -> Notice:
    hint = say_str("plan_request.avoid", principle=avoid_principle) if avoid_principle else ""
    return Notice(
        Kind.PLAN_REQUEST,
        ToPartnerSpace(emp.id, in_channel=True),
        say_str("plan_request.headline", employer=emp.name),
        body=(text(why),),
        buttons=TABLE.offer(Case(emp, None, frozenset()), Action.AGREE_PLAN),
        employer_id=emp.id,
        key=keys.plan(emp.id, emp.cycle + 1),
        next_step=say("plan_request.next", hint=hint),
    )


def plan_request_closed(emp: Employer, cycle: int, headline: str, body: Text) -> Notice:
    """Replaces the plan request for ``cycle`` (its button gone): what became of it."""
    return Notice(
        Kind.DECIDED,
        ToPartnerSpace(emp.id),
        headline,
        body=(body,),
        employer_id=emp.id,
        replaces=keys.plan(emp.id, cycle),
    )


def draft_of(emp: Employer) -> tuple[str, str]:
    """The draft the route calls for, written for the employer: (its title, its text)."""
    r = Route(emp.route or Route.JCC.value)
    kind = EmployerKind(emp.kind).label
    draft = (drafts.jcc_agenda_item if r is Route.JCC else drafts.joint_letter)(emp.name, kind, emp.to_employer)
    return say_str("draft.jcc" if r is Route.JCC else "draft.letter", employer=emp.name), draft


async def draft_document(core: Core, employer_id: int) -> File | None:
    """The draft as a Word document (the dispatcher's file maker for ``DRAFT_FILES``)."""

    async def q(s: AsyncSession) -> File | None:
        emp = await s.get(Employer, employer_id)
        if emp is None or emp.route is None:
            return None
        title, draft = draft_of(emp)
        return File(drafts.file_name(emp.name, emp.route), DOCX, drafts.document(title, draft))

    return await read(core, q)


DRAFT_FILES = "signup_draft"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


async def choose_route(core: Core, who: Who, employer_id: int, route: Route | str) -> Outcome:
    """Record the route to the employer; post the draft agenda item or letter (to copy, or to
    download as a Word document) and, apart from it, the next step's button, so the draft stays
    as it was when the step is done."""
    t = TABLE.row(Action.CHOOSE_ROUTE)
    steps = SignupSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, employer_id)
        r: Route = (await steps.check(s, t, case, inputs={"route": route}))["route"]
        await steps.move(s, t, case, payload={"route": r.value}, values={"route": r.value})
        emp = case.row
        emp.route = r.value
        title, draft = draft_of(emp)
        missing = () if emp.to_employer else (say("draft.add_why", employer=emp.name),)
        return Outcome(
            ok=True,
            changed=True,
            employer_id=emp.id,
            reply=say("route.reply", route=r.label),
            notices=[
                Notice(
                    Kind.DECIDED,
                    ToPartnerSpace(emp.id),
                    say_str("route.chosen.headline", route=r.label),
                    body=(say("route.chosen.body", who=ref(case.person), when=core.when(core.now())),),
                    employer_id=emp.id,
                    replaces=keys.route(emp.id),
                ),
                Notice(
                    Kind.DRAFT,
                    ToPartnerSpace(emp.id, in_channel=True),
                    title,
                    body=(text(draft), *missing),
                    employer_id=emp.id,
                    key=keys.draft(emp.id),
                    next_step=say("draft.next"),
                    files=(FileRef(DRAFT_FILES, emp.id, drafts.file_name(emp.name, r.value)),),
                ),
                Notice(
                    Kind.ROUTE_REQUEST,
                    ToPartnerSpace(emp.id, in_channel=True),
                    say_str("introduce_request.headline", employer=emp.name),
                    body=(say("introduce_request.body", route=r.label),),
                    buttons=TABLE.offer(case, Action.INTRODUCE),
                    employer_id=emp.id,
                    key=keys.introduce(emp.id),
                    next_step=say("introduce_request.next"),
                ),
            ],
        )

    return await run(core, body)


async def introduce(core: Core, who: Who, employer_id: int) -> Outcome:
    """The scheme has been introduced to the employer; next, the action plan."""
    t = TABLE.row(Action.INTRODUCE)
    steps = SignupSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, employer_id)
        await steps.check(s, t, case)
        await steps.move(s, t, case)
        emp = case.row
        return Outcome(
            ok=True,
            changed=True,
            employer_id=emp.id,
            reply=say("introduce.reply", employer=emp.name),
            notices=[
                Notice(
                    Kind.DECIDED,
                    ToPartnerSpace(emp.id),
                    say_str("introduce.headline", employer=emp.name),
                    body=(say("recorded_by", who=ref(case.person), when=core.when(core.now())),),
                    employer_id=emp.id,
                    replaces=keys.introduce(emp.id),
                ),
                plan_request(emp, say_str("introduce.why")),
            ],
        )

    return await run(core, body)
