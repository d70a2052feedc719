"""The national union records that a member is on the national list, and that the logo was sent."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from flows.core import keys
from flows.core.unit import Core, run
from flows.directory import Who
from flows.notices import Kind, Notice, Outcome, ToNational, ToPartnerSpace
from flows.signup.case import SignupSteps, ref
from flows.signup.journey import TABLE, Action
from flows.wording import say, say_str
from models.tables import Employer

_COLUMNS = {Action.ADDED_TO_LIST: Employer.added_to_list_at, Action.LOGO_SENT: Employer.logo_sent_at}


async def record_national(core: Core, who: Who, employer_id: int, action: Action | str) -> Outcome:
    """A national officer records that the employer is on the list, or that the logo was sent."""
    act = Action(action)
    if act not in _COLUMNS:
        raise ValueError(f"{act} is not a national record")
    t = TABLE.row(act)
    column = _COLUMNS[act]
    steps = SignupSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, employer_id)
        await steps.check(s, t, case)
        await steps.move(s, t, case, values={column.key: core.now()}, extra_where=column.is_(None))
        emp = case.row
        lines = [
            say("national.record.line", what=say_str(label), when=core.when(at) if at else say_str("not_yet"))
            for label, at in (("national.added", emp.added_to_list_at), ("national.logo", emp.logo_sent_at))
        ]
        remaining = TABLE.offer(case, *(a for a in _COLUMNS if getattr(emp, _COLUMNS[a].key) is None))
        tell = say_str("national.told.list" if act is Action.ADDED_TO_LIST else "national.told.logo", employer=emp.name)
        return Outcome(
            ok=True,
            changed=True,
            employer_id=emp.id,
            reply=say(
                "national.record.reply",
                employer=emp.name,
                done=say_str("national.done.list" if act is Action.ADDED_TO_LIST else "national.done.logo"),
            ),
            notices=[
                Notice(
                    Kind.NATIONAL,
                    ToNational(),
                    say_str("national.record.headline", employer=emp.name),
                    body=(
                        say("national.record.body", employer=emp.name, area=emp.association.name),
                        *lines,
                        say("national.record.by", who=ref(case.person)),
                    ),
                    buttons=remaining,
                    employer_id=emp.id,
                    replaces=keys.national(emp.id),
                    key=keys.national(emp.id),
                    next_step=say("national.record.next.done" if not remaining else "national.record.next.other"),
                ),
                Notice(Kind.PROGRESS, ToPartnerSpace(emp.id), tell, employer_id=emp.id, next_step=say("nothing_to_do")),
            ],
        )

    return await run(core, body)


async def taken_off_list(core: Core, who: Who, employer_id: int) -> Outcome:
    """A national officer records that a revoked employer is off the national list (and its logo
    withdrawn): the revocation's message loses its button and says who did it, when."""
    t = TABLE.row(Action.TAKEN_OFF_LIST)
    steps = SignupSteps(core)

    async def body(s: AsyncSession) -> Outcome:
        case = await steps.load(s, who, employer_id)
        await steps.check(s, t, case)
        await steps.move(s, t, case, values={"off_list_at": core.now()}, extra_where=Employer.off_list_at.is_(None))
        emp = case.row
        return Outcome(
            ok=True,
            changed=True,
            employer_id=emp.id,
            reply=say("national.off.reply", employer=emp.name),
            notices=[
                Notice(
                    Kind.REVOKED,
                    ToNational(),
                    say_str("revoked.headline", employer=emp.name),
                    body=(say("national.off.body", employer=emp.name, area=emp.association.name, who=ref(case.person),
                              when=core.when(core.now())),),  # fmt: skip
                    employer_id=emp.id,
                    replaces=keys.national_revoked(emp.id),
                    next_step=say("nothing_more"),
                ),
                Notice(Kind.PROGRESS, ToPartnerSpace(emp.id), say_str("national.told.off", employer=emp.name),
                       employer_id=emp.id, next_step=say("nothing_to_do")),  # fmt: skip
            ],
        )

    return await run(core, body)
