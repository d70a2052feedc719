"""The report of one adoption (``vws code report EMPLOYER [--csv]`` and ``/vws code report``):
each indicator against its targets by year (on target, below, no data), clause positions and
committee outcomes, and each contract's commitment against delivery."""

from __future__ import annotations

from flows.bestvalue.indicators import Report
from flows.wording import say_str


def _n(v: float | None) -> str:
    return "" if v is None else f"{v:g}"


def as_lines(r: Report) -> list[str]:
    out = [say_str("code.report.title", employer=r.employer, area=r.association, stage=r.stage, version=r.version),
           say_str("code.report.branches", branches=", ".join(r.branches))]  # fmt: skip
    out.append(say_str("code.report.indicators"))
    if not r.indicators:
        out.append("  " + say_str("code.report.no_indicators"))
    for i in r.indicators:
        out.append(f"  {i.about} {i.name} ({say_str('code.report.about', unit=i.unit, better=i.better, priority=i.priority, measurable=i.measurable, baseline=_n(i.baseline) or '-')})")
        for period, target, actual, standing in i.years:
            out.append(f"    {period}: " + say_str("code.report.year", target=_n(target) or "-", actual=_n(actual) or "-",
                                                unit=i.unit, standing=say_str(f"code.standing.{standing}")))  # fmt: skip
    out.append(say_str("code.report.sections"))
    for number, title, settled, total in r.sections:
        out.append(f"  {number}. {title}: {settled}/{total}")
    out.append(say_str("code.report.clauses"))
    for ref, said, outcome in r.clauses:
        positions = ", ".join(f"{u} {say_str(f'code.position.{p}')}" for u, p in said.items()) or say_str("code.section.none_yet")
        out.append(f"  {ref}: {positions}" + (f"; {say_str('code.report.committee')} {say_str(f'code.outcome.{outcome}')}" if outcome else ""))
    if r.contracts:
        out.append(say_str("code.report.contracts"))
    for contract, contractor, stage, exceptions, deliveries in r.contracts:
        out.append(f"  {contract} ({contractor}): {say_str(f'code.contract_stage.{stage}')}"
                   + (f"; {say_str('code.report.excepted', refs=', '.join(exceptions))}" if exceptions else ""))
        for ref, period, delivered in deliveries:
            committed = say_str("code.delivery.excepted" if ref in exceptions else "code.delivery.committed")
            out.append(f"    {ref} {period}: {committed}, {say_str(f'code.delivered.{delivered}')}")
    return out


def as_rows(r: Report) -> list[list[str]]:
    """CSV: one row per indicator and year, then one per clause."""
    rows = [["kind", "about", "name", "unit", "better", "priority", "measurable", "baseline", "year", "target", "actual", "standing"]]
    for i in r.indicators:
        for period, target, actual, standing in i.years or [("", None, None, "no_data")]:
            rows.append(["indicator", i.about, i.name, i.unit, i.better, i.priority, i.measurable, _n(i.baseline),
                         period, _n(target), _n(actual), standing])  # fmt: skip
    for ref, said, outcome in r.clauses:
        rows.append(["clause", ref, "; ".join(f"{u}: {p}" for u, p in said.items()), "", "", "", "", "", "", "", "",
                     outcome])  # fmt: skip
    return rows
