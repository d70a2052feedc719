"""Erasure without breaking the record: the person becomes a tombstone ("former Unite rep #12").

Their chat ids, e-mail and name are cleared and their roles removed; every row that referred to
them still does, now to the tombstone, so the audit trails keep who did what (a former rep).
The free text they wrote is redacted, and their name, e-mail and ids are replaced by the
tombstone wherever text or JSON holds them, through one path (:func:`_rewrite`), each change
recorded in ``privacy_actions``: the only sanctioned change to the append-only audit trails
(the ORM refuses any other). Refused, naming what blocks it, while an open case or issue needs them.

The bot's own direct messages to them (``direct_messages``, recorded as they were delivered) are
deleted in Slack and Teams: erasure writes one deletion per message to the outbox in its
transaction, and the delivery worker deletes them, with retries (``bot.outbox``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Table, Text, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from flows.core.outbox import enqueue_deletions
from flows.privacy.records import outbox_about, person_columns, privacy_of, words_of
from models.bestvalue import CodeAdoption
from models.partnership import EscalationContact, Issue, PartnershipMember
from models.privacy import DirectMessage, PrivacyAction, SharingConsent
from models.tables import (
    Base,
    Employer,
    LocalAssociation,
    OutboxItem,
    Person,
    Role,
    Snooze,
    TeamsConversation,
    WorkplanAction,
)

ERASED = "(erased)"
CLOSED_STAGES = ("withdrawn", "revoked")
OPEN_ADOPTION = ("negotiating", "at_committee")


@dataclass
class Erasure:
    person_id: int
    tombstone: str
    blockers: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)  # what was (or, on a dry run, would be) changed
    messages: dict[str, int] = field(default_factory=dict)  # the bot's direct messages to them to delete, by platform

    @property
    def refused(self) -> bool:
        return bool(self.blockers)


def tombstone_for(person: Person, roles: list[Role]) -> str:
    """"former Unite rep #12", "former NASUWT rep #3", "former national officer #7"."""
    if roles:
        r = roles[0]
        if r.role == "national_officer":
            return f"former national officer #{person.id}"
        what = {"branch_rep": "branch rep"}.get(r.role, "rep")
        return f"former {r.union} {what} #{person.id}"
    return f"former person #{person.id}"


async def blockers(s: AsyncSession, pid: int) -> list[str]:
    """What needs the person now: reassign these (or change the directory file) first."""
    out: list[str] = []
    for e in (await s.execute(select(Employer).where(Employer.proposer_id == pid, Employer.stage.notin_(CLOSED_STAGES))
                              .order_by(Employer.id))).scalars():  # fmt: skip
        out.append(f"they proposed employer #{e.id}, still open ({e.stage})")
    for a in (await s.execute(select(LocalAssociation).order_by(LocalAssociation.id))).scalars():
        for attr, title in (("secretary_id", "Secretary"), ("deputy_id", "deputy Secretary"), ("nem_id", "NEM")):
            if getattr(a, attr) == pid:
                out.append(f"they are the {title} of local association #{a.id} (change the directory file)")
    for w in (await s.execute(select(WorkplanAction).where(WorkplanAction.owner_person_id == pid,
                                                           WorkplanAction.status == "open"))).scalars():  # fmt: skip
        out.append(f"they own open workplan action {w.number} of plan #{w.plan_id}")
    for c in (await s.execute(select(CodeAdoption).where(CodeAdoption.lead_id == pid,
                                                         CodeAdoption.stage.in_(OPEN_ADOPTION)))).scalars():  # fmt: skip
        out.append(f"they lead Best Value Code adoption #{c.id}, still {c.stage}")
    for i in (await s.execute(select(Issue).where(Issue.raised_by_id == pid, Issue.closed_at.is_(None)))).scalars():
        out.append(f"they raised issue #{i.id}, still open ({i.stage})")
    return out


def _text_columns(table: Table) -> list[Any]:
    return [c for c in table.columns if isinstance(c.type, String | Text | JSON) and not c.foreign_keys]


def _replace(value: Any, words: list[str], label: str) -> Any:
    if isinstance(value, str):
        for w in words:
            value = value.replace(w, label)
        return value
    if value is None:
        return None
    return json.loads(_replace(json.dumps(value, ensure_ascii=False), [json.dumps(w)[1:-1] for w in words], label))


@dataclass
class Rewriter:
    s: AsyncSession
    pid: int | None  # the person erased (None: retention)
    now: datetime
    request_id: int | None
    done: list[str]

    async def record(self, action: str, table: str, row_id: int | None, column: str | None, rows: int = 1) -> None:
        await self.s.execute(insert(PrivacyAction).values(at=self.now, action=action, person_id=self.pid,
                                                          request_id=self.request_id, table_name=table, row_id=row_id,
                                                          column_name=column, rows=rows))  # fmt: skip

    async def rewrite(self, table: Table, row_id: Any, column: str, value: Any, action: str) -> None:
        """The one path by which erasure changes a row's words (audit trails included)."""
        pk = next(iter(table.primary_key.columns))
        await self.s.execute(update(table).where(pk == row_id).values({column: value}))
        await self.record(action, table.name, row_id if isinstance(row_id, int) else None, column)
        self.done.append(f"{action} {table.name}.{column} of row {row_id}")


async def erase(s: AsyncSession, person: Person, now: datetime, *, request_id: int | None = None) -> Erasure:
    """Erase ``person`` (the caller commits, or rolls back for a dry run). Refused while blocked."""
    pid = person.id
    roles = list((await s.execute(select(Role).where(Role.person_id == pid).order_by(Role.id))).scalars())
    result = Erasure(pid, tombstone_for(person, roles), await blockers(s, pid))
    if result.refused:
        return result
    label = result.tombstone
    words = sorted(words_of(person), key=len, reverse=True)
    rw = Rewriter(s, pid, now, request_id, result.done)
    # Where the bot's own direct messages to them are, read before any text is rewritten.
    dms: list[dict[str, Any]] = [{"platform": d.platform, "channel": d.channel, "message": d.message_id, "service_url": d.service_url}
           for d in (await s.execute(select(DirectMessage).where(DirectMessage.person_id == pid)
                                     .order_by(DirectMessage.id))).scalars()]  # fmt: skip

    # The free text they wrote is redacted.
    for table in Base.metadata.sorted_tables:
        privacy = privacy_of(table)
        cols = person_columns(table)
        if privacy is None or not privacy.free_text or not cols or len(table.primary_key.columns) != 1:
            continue
        pk = next(iter(table.primary_key.columns))
        rows = await s.execute(select(table).where(or_(*(c == pid for c in cols))))
        for row in rows.mappings().all():
            for col in privacy.free_text:
                if row[col] not in (None, "", ERASED):
                    await rw.rewrite(table, row[pk.name], col, ERASED, "redact")

    # Their notices are deleted; the others' rows that name them say the tombstone instead.
    gone = [item.id for item in await outbox_about(s, person) if (item.notice or {}).get("to", {}).get("id") == pid]
    if gone:
        await s.execute(delete(OutboxItem).where(OutboxItem.id.in_(gone)))
        await rw.record("delete", "outbox", None, None, len(gone))
        result.done.append(f"deleted {len(gone)} notices to them from the outbox")
    for table in Base.metadata.sorted_tables:
        if table.name == "people" or len(table.primary_key.columns) != 1 or not words:
            continue
        pk = next(iter(table.primary_key.columns))
        for col in _text_columns(table):
            c = table.c[col.name]
            probe = c if not isinstance(c.type, JSON) else c.cast(Text)
            rows = await s.execute(select(pk, c).where(or_(*(probe.contains(w, autoescape=True) for w in words))))
            for row_id, value in rows.all():
                await rw.rewrite(table, row_id, col.name, _replace(value, words, label), "pseudonymise")

    # The bot's direct messages to them are deleted in Slack and Teams: by the delivery worker,
    # with retries, from deletions written to the outbox in this transaction.
    if dms:
        await enqueue_deletions(s, dms, lane=f"erase:{pid}")
        await rw.record("delete", "direct messages (Slack, Teams)", None, None, len(dms))
        for d in dms:
            result.messages[d["platform"]] = result.messages.get(d["platform"], 0) + 1
        each = ", ".join(f"{n} in {p.capitalize()}" for p, n in sorted(result.messages.items()))
        result.done.append(f"queued {len(dms)} of the bot's direct messages to them for deletion ({each})")

    # Their roles, consents, snoozes, conversation references and message references go.
    for model in (Role, SharingConsent, Snooze, TeamsConversation, PartnershipMember, EscalationContact, DirectMessage):
        n = (await s.execute(delete(model).where(model.person_id == pid))).rowcount  # type: ignore[attr-defined]
        if n:
            await rw.record("delete", model.__tablename__, None, None, n)
            result.done.append(f"removed {n} {model.__tablename__} rows")

    # The person becomes the tombstone.
    await s.execute(update(Person).where(Person.id == pid).values(slack_id=None, teams_id=None, email=None, name=None,
                                                                   is_admin=False, tombstone=label, erased_at=now))  # fmt: skip
    await rw.record("erase", "people", pid, None)
    result.done.append(f"person #{pid} is now {label!r}: ids, e-mail and name cleared")
    return result
