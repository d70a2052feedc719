"""The sandbox's Best Value Code adoption in progress: on a fresh sandbox, the UNISON rep has
started Leeds City Council's adoption with the GMB and UNISON branches, and both have marked
some clauses (one amended locally, one not agreed, one parked), so there is something to see and
to carry on with in the adoption's private channel."""

from __future__ import annotations

import logging

from flows.core.payload import Payload
from flows.directory import Who

log = logging.getLogger(__name__)

EMPLOYER = "Leeds City Council (demo)"
UNISON, GMB = Who(slack="U0UNS1"), Who(slack="U0GMB1")


async def seed(engine: object) -> None:
    """Start the demo adoption and mark a few clauses, through the dispatcher like any click (what
    each says is written to the outbox, and the sandbox's bot posts it)."""
    dispatch = getattr(engine, "dispatch")  # noqa: B009
    out = await dispatch.submit(UNISON, Payload("code_start"), {
        "employer_name": EMPLOYER, "employer_kind": "local_authority", "association": "Leeds", "branches": "GMB,UNISON"})
    if not out.ok:
        log.info("sandbox: no demo adoption of the Best Value Code (%s)", "refused")
        return
    from flows.bestvalue.indicators import find_adoptions

    [(adoption, _, _)] = await find_adoptions(engine, EMPLOYER)  # type: ignore[arg-type]
    steps: list[tuple[Who, str, dict[str, str]]] = [
        (UNISON, "code_agree_section", {"section": "1"}),
        (GMB, "code_agree_section", {"section": "1"}),
        (UNISON, "code_mark", {"clause": "2.1", "position": "amend", "reason": "The council has already outsourced two services",
                               "local_text": "No further externalisation or transfer of services without a full in-house option appraisal agreed with the branches."}),
        (GMB, "code_mark", {"clause": "2.1", "position": "agreed"}),
        (GMB, "code_mark", {"clause": "2.4", "position": "not_agreed", "reason": "Under review by the regional GMB"}),
        (UNISON, "code_mark", {"clause": "3.1", "position": "park", "reason": "Waiting for the council's information policy"}),
    ]  # fmt: skip
    for who, action, answers in steps:
        section = answers.pop("section", None)
        p = Payload(action, adoption, value=section)
        await (dispatch.press(who, p) if section else dispatch.submit(who, p, answers))
