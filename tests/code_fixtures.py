"""Shared by the Best Value Code's tests: the test directory with union branches, and helpers."""

from __future__ import annotations

from typing import Any

from flows.directory import Who
from flows.notices import Outcome
from tests.conftest import DIRECTORY

BRANCHES = """    branches:
      GMB: {name: Leeds GMB, reps: [U0GMB1]}
      UNISON: {name: Leeds City UNISON, reps: [U0UNS1]}
"""
CODE_DIRECTORY = DIRECTORY.replace(
    "      Unite: [U0UTE1, rep@unite.example.org]\n", "      Unite: [U0UTE1, rep@unite.example.org]\n" + BRANCHES, 1
)
assert CODE_DIRECTORY != DIRECTORY

GMB_B, UNS_B = Who(slack="U0GMB1"), Who(slack="U0UNS1")
ADOPTION = {"employer_name": "Leeds City Council", "employer_kind": "local_authority", "association": "Leeds",
            "branches": ["GMB", "UNISON"]}  # fmt: skip


def ok(out: Outcome) -> Outcome:
    assert out.ok, out.reply_text
    return out


async def start(engine: Any, who: Who = GMB_B) -> int:
    from flows.core.payload import Payload

    out = ok(await engine.dispatch.submit(who, Payload("code_start"), ADOPTION))
    from flows.bestvalue.indicators import find_adoptions

    [(adoption_id, _, _)] = await find_adoptions(engine, "Leeds City Council")
    assert "Started the adoption" in out.reply_text
    return adoption_id


async def mark(engine: Any, who: Who, adoption_id: int, ref: str, position: str = "agreed", **more: str) -> Outcome:
    from flows.core.payload import Payload

    return await engine.dispatch.submit(who, Payload("code_mark", adoption_id), {"clause": ref, "position": position, **more})


async def agree_all(engine: Any, adoption_id: int, *, skip: tuple[str, ...] = ()) -> None:
    """Both branches agree every section, then (for ``skip``) park those clauses again."""
    from flows.core.payload import Payload

    for who in (GMB_B, UNS_B):
        for n in range(1, 13):
            ok(await engine.dispatch.press(who, Payload("code_agree_section", adoption_id, value=str(n))))
    for ref in skip:
        ok(await mark(engine, GMB_B, adoption_id, ref, "park"))
