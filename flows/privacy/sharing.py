"""Whether a person may be shown, as their union's rep, to the other unions (a shared space).

Article 9(2)(d) lets a union process its members' data in its legitimate activities, but not
disclose it outside the union without consent. Each union records its basis in the directory
file: the unions' agreement (everyone of that union), or consent, person by person.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from flows.notices import Kind, Notice, PersonRef, ToPerson
from flows.wording import say, say_str
from models.privacy import SharingBasis, SharingConsent
from models.tables import Person


async def without_basis(s: AsyncSession, people: Iterable[tuple[Person, str]]) -> list[tuple[Person, str]]:
    """Those of ``people`` (a person and the union they would be shown for) whose union has
    recorded no basis for sharing them: no agreement, and no consent of theirs."""
    wanted = list(people)
    if not wanted:
        return []
    bases = {u: b for u, b in (await s.execute(select(SharingBasis.union, SharingBasis.basis))).all()}
    consenting = {u for u, b in bases.items() if b == "consent"}
    consents: set[tuple[int, str]] = set()
    ids = {p.id for p, u in wanted if u in consenting}
    if ids:
        rows = await s.execute(select(SharingConsent.person_id, SharingConsent.union).where(SharingConsent.person_id.in_(ids)))
        consents = {(pid, u) for pid, u in rows.all()}
    return [(p, u) for p, u in wanted if bases.get(u) != "agreement" and (p.id, u) not in consents]


def who_is_missing(unshared: list[tuple[Person, str]], to: Person, space: str, next_step: str, *,
                   key: str | None = None, employer_id: int | None = None, own: Iterable[str] = ()) -> Notice | None:  # fmt: skip
    """The notice telling ``to`` (who opened a shared space, or posted in it) who could not be
    added to it for want of a sharing basis, why, and what to do; None when nobody was left out.

    People of ``to``'s own unions (``own``) are named; another union's are given by union and
    count, as disclosing them by name is what is not allowed. ``key`` makes later notices about
    the same space update this one in place rather than post again."""
    if not unshared:
        return None
    mine = set(own)
    counts: dict[str, int] = {}
    named: list[str] = []
    for p, u in unshared:
        if u in mine:
            named.append(say_str("sharing.who", name=p.label, union=u))
        else:
            counts[u] = counts.get(u, 0) + 1
    named += [say_str("sharing.reps", n=n, union=u, s="" if n == 1 else "s") for u, n in sorted(counts.items())]
    return Notice(
        Kind.PROGRESS,
        ToPerson(PersonRef(to.id, to.label)),
        say_str("sharing_space.headline", space=space),
        body=(say("sharing_space.body", space=space, names=", ".join(named)),),
        employer_id=employer_id,
        key=key,
        replaces=key,
        next_step=say(next_step),
    )
