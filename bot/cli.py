"""The ``vws`` command: run the bot, manage the database and directory, read the register and audit trail."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import logging
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from bot import logs
from bot.loop import loop_factory
from bot.migrate import SchemaOutOfDate, current_revision, head_revision, upgrade
from bot.services import Services
from bot.settings import get_settings
from flows.directory import DirectoryError
from flows.principles import principle
from flows.signup.records import EmployerSummary
from flows.wording import day

log = logging.getLogger("vws")
T = TypeVar("T")

Command = Callable[[Services, argparse.Namespace], Awaitable[int]]


def _services() -> Services:
    return Services.build(get_settings())


async def _with_services(fn: Command, args: argparse.Namespace, *, check_schema: bool = True) -> int:
    svc = _services()
    try:
        if check_schema:
            await svc.start()
        return await fn(svc, args)
    except SchemaOutOfDate as exc:
        print(f"vws: {exc}", file=sys.stderr)
        return 2
    finally:
        await svc.close()


# ----------------------------------------------------------------------------- db


async def cmd_db_upgrade(svc: Services, args: argparse.Namespace) -> int:
    before = await current_revision(svc.db)
    await upgrade(svc.db)
    after = await current_revision(svc.db)
    if before == after:
        print(f"The database schema is up to date (revision {after}).")
    else:
        print(f"Database schema upgraded from {before or 'empty'} to revision {after}.")
    return 0


async def cmd_db_status(svc: Services, args: argparse.Namespace) -> int:
    have, want = await current_revision(svc.db), head_revision()
    print(f"database revision: {have or 'none'}; this version of the bot needs: {want}")
    return 0 if have == want else 1


# ----------------------------------------------------------------------------- directory


async def cmd_directory_load(svc: Services, args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        source = await asyncio.to_thread(path.read_text, encoding="utf-8")
    except OSError as exc:
        print(f"vws: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        changes = await svc.load_directory(source)
    except DirectoryError as exc:
        print(f"vws: {path}: {exc}\nNothing was loaded.", file=sys.stderr)
        return 1
    if changes:
        print(f"Loaded {path}:")
        for c in changes:
            print(f"  {c}")
    else:
        print(f"Loaded {path}: nothing changed.")
    return 0


# ----------------------------------------------------------------------------- register, audit


def _fmt_date(d: Any) -> str:
    return day(d) if d else ""


async def cmd_register(svc: Services, args: argparse.Namespace) -> int:
    from flows.signup.report import register_csv, register_lines

    rows = await svc.engine.register(everyone=args.all)
    if args.csv is not None:
        if args.csv == "-":
            sys.stdout.write(register_csv(rows))
        else:
            await asyncio.to_thread(Path(args.csv).write_text, register_csv(rows), encoding="utf-8", newline="")
            print(f"Wrote {len(rows)} employers to {args.csv}.")
        return 0
    if not rows:
        print("No employers in the scheme yet." if not args.all else "No employers yet.")
        return 0
    for line in register_lines(rows):
        print(line)
    return 0


LISTED = 20
"""The most employers a name typed in part lists (the rest are asked for by typing more)."""


def _list_matches(query: str, what: str, lines: list[str]) -> None:
    """Say that ``query`` matches several ``what`` (``lines``, asked for one more than listed)."""
    many = f"more than {LISTED}" if len(lines) > LISTED else str(len(lines))
    print(f"vws: {query!r} matches {many} {what}" + (":" if lines else "."), file=sys.stderr)
    for line in lines[:LISTED]:
        print(f"  {line}", file=sys.stderr)
    if len(lines) > LISTED:
        print("  ... and more: type more of the name to narrow it.", file=sys.stderr)


async def _one_employer(svc: Services, query: str) -> EmployerSummary | None:
    found = await svc.engine.find(query, limit=LISTED + 1)
    if not found:
        print(f"vws: no employer matches {query!r}.", file=sys.stderr)
        return None
    if len(found) > 1:
        _list_matches(query, "employers; use the number", [f"#{e.id} {e.name} ({e.association}, {e.stage.label})" for e in found])
        return None
    return found[0]


async def cmd_audit(svc: Services, args: argparse.Namespace) -> int:
    from flows.signup.report import audit_lines, status_words

    emp = await _one_employer(svc, args.employer)
    if emp is None:
        return 1
    print(f"{emp.name} (#{emp.id}, {emp.association}): {status_words(emp)}")
    for line in audit_lines(await svc.engine.audit(emp.id), svc.engine.when):
        print(line)
    return 0


async def cmd_plan(svc: Services, args: argparse.Namespace) -> int:
    emp = await _one_employer(svc, args.employer)
    if emp is None:
        return 1
    found = await svc.engine.plan_of(emp.id)
    if found is None:
        print(f"{emp.name} has no action plan yet ({emp.stage.label}).")
        return 0
    plan, actions = found
    print(f"{emp.name}: cycle {plan.cycle}, {principle(plan.principle).title}")
    print(f"  Objectives: {plan.objectives}\n  Activities: {plan.activities}\n  Success criteria: {plan.success_criteria}")
    print(f"  From {_fmt_date(plan.starts_on)}; review {_fmt_date(plan.review_on)}")
    for a in actions:
        print(f"  {a.number}. {a.detail} | {a.owner} | {a.by_date_text} ({a.by_date.isoformat()}) | {a.status}")
    return 0


# ----------------------------------------------------------------------------- local social partnerships


async def cmd_partnership(svc: Services, args: argparse.Namespace) -> int:
    lines = await svc.engine.partnerships.report(args.partnership)
    print("\n".join(lines))
    return 0 if len(lines) > 1 else 1


async def cmd_issues(svc: Services, args: argparse.Namespace) -> int:
    from flows.partnership.report import counts_csv, counts_lines

    rows = await svc.engine.partnerships.counts()
    if args.csv is None:
        print("\n".join(counts_lines(rows)))
    elif args.csv == "-":
        sys.stdout.write(counts_csv(rows))
    else:
        await asyncio.to_thread(Path(args.csv).write_text, counts_csv(rows), encoding="utf-8", newline="")
        print(f"Wrote {len(rows)} rows (theme, region, level; counts only) to {args.csv}.")
    return 0


# ----------------------------------------------------------------------------- serve


async def cmd_serve(svc: Services, args: argparse.Namespace) -> int:
    from aiohttp import web

    from bot.web import SLACK, QuietCollector, create_app, freeze_startup_objects

    settings = svc.settings
    with_clock = args.with_clock if args.with_clock is not None else settings.database_url.startswith("sqlite")
    app = create_app(svc, with_clock=with_clock)
    runner = web.AppRunner(app)
    await runner.setup()
    freeze_startup_objects()
    port = args.port or settings.port
    if args.socket_fd is not None:  # one of `vws serve --processes N`: the parent's socket
        await web.SockSite(runner, socket.socket(fileno=args.socket_fd)).start()
    else:
        try:
            await web.TCPSite(runner, args.host, port).start()
        except OSError as exc:
            from bot.processes import cannot_listen

            await runner.cleanup()
            print(cannot_listen(args.host, port, exc), file=sys.stderr)
            return 2
    slack = app.get(SLACK)
    socket_handler = None
    if slack is not None and settings.slack_app_token:
        socket_handler = slack.socket_mode(settings.slack_app_token.get_secret_value())
        await socket_handler.connect_async()
        mode = "Socket Mode"
    elif slack is not None:
        mode = f"HTTP mode: Slack sends requests to http://{args.host}:{port}/slack/events"
    else:
        mode = "not configured (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET)"
    if not args.process_index:  # (the others of `--processes N` say the same)
        print(f"VWS Bot is running on http://{args.host}:{port} (health: /healthz).")
        print(f"Slack: {mode}. Reminder clock: {'in this process' if with_clock else 'not in this process (run vws clock)'}.")
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):  # stop taking requests; finish what is under way
        with contextlib.suppress(NotImplementedError):  # (Windows: Ctrl-C still stops it)
            loop.add_signal_handler(sig, stopping.set)
    collector = loop.create_task(QuietCollector(svc.outbox.requests if svc.outbox else None).run())
    orphan = None
    if args.parent_pid is not None:  # one of `--processes N` (the parent's pid is given: it may be gone already)
        from bot.processes import until_parent_gone

        orphan = loop.create_task(until_parent_gone(args.parent_pid, stopping))
    try:
        await stopping.wait()
    finally:
        collector.cancel()
        if orphan is not None:
            orphan.cancel()
        if socket_handler is not None:
            await socket_handler.close_async()
        await runner.cleanup()
    return 0


# ----------------------------------------------------------------------------- reminders


@asynccontextmanager
async def _chat_deliverer(svc: Services) -> AsyncIterator[Any]:
    """Where reminders go: the chat platforms `vws serve` would mount (or printed), without serving."""
    from aiohttp import web

    from bot.web import create_app, deliverer_for

    app = create_app(svc, with_clock=False)
    runner = web.AppRunner(app)  # started without a site: nothing listens
    await runner.setup()
    try:
        yield deliverer_for(app)
        await svc.drain(120)  # what it wrote to the outbox leaves before the command ends
    finally:
        await runner.cleanup()


def _moment(value: str, tz: Any) -> datetime:
    """An ISO date and time; without a UTC offset it is local time (VWS_TIMEZONE)."""
    at = datetime.fromisoformat(value.strip())
    return at.replace(tzinfo=tz) if at.tzinfo is None else at


async def cmd_remind(svc: Services, args: argparse.Namespace) -> int:
    from bot.clock import remind_command
    from bot.delivery import Recorder

    try:
        now = _moment(args.now, svc.settings.tz) if args.now else None
    except ValueError:
        print(f"vws: --now {args.now!r} is not a date and time like 2027-03-16T08:00", file=sys.stderr)
        return 2
    if args.dry_run:
        lines = await remind_command(svc, Recorder(), now, True)
    else:
        async with _chat_deliverer(svc) as deliverer:
            lines = await remind_command(svc, deliverer, now, False)
    print("\n".join(lines))
    return 0


async def cmd_clock(svc: Services, args: argparse.Namespace) -> int:
    from bot.clock import clock_forever

    async with _chat_deliverer(svc) as deliverer:
        print(f"VWS reminder clock: a sweep every {args.interval:g} seconds. Stop it with Ctrl-C.", flush=True)
        await clock_forever(svc, deliverer, interval=args.interval)
    return 0


async def cmd_worker(svc: Services, args: argparse.Namespace) -> int:
    """``vws worker``: deliver the outbox until stopped (the Procfile's ``worker:``)."""

    from aiohttp import web

    from bot.web import create_app

    app = create_app(svc, with_clock=False)
    if svc.outbox is None:
        print("vws: no chat platform is configured, so there is nothing to deliver to.", file=sys.stderr)
        return 2
    runner = web.AppRunner(app)  # the platforms' sessions, without a site: nothing listens
    await runner.setup()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    print("VWS delivery worker: sending the outbox. Stop it with Ctrl-C.", flush=True)
    try:
        await stopping.wait()
    finally:
        await runner.cleanup()
    return 0


async def cmd_outbox(svc: Services, args: argparse.Namespace) -> int:
    """``vws outbox [retry [ID ...]]``: what waits and what was parked; send parked ones again."""
    from bot.outbox import counts, parked, retry_parked

    if args.outbox_command == "retry":
        n = await retry_parked(svc.sessions, args.ids or None)
        print(f"{n} parked notice{'s' if n != 1 else ''} put back in line; the delivery worker sends them next.")
        return 0
    totals = await counts(svc.sessions)
    print("Outbox: " + ", ".join(f"{totals.get(k, 0)} {k}" for k in ("pending", "claimed", "sent", "failed")))
    rows = await parked(svc.sessions)
    if rows:
        print("Parked (failed) notices:")
        for oid, at, what, error, attempts in rows:
            print(f"  #{oid:<6} {svc.engine.when(at):<22} {what:<28} {error or '?'} after {attempts} tries")
        print("Send them again with: vws outbox retry [ID ...]")
    return 0


# ----------------------------------------------------------------------------- data protection


def cmd_privacy_register(args: argparse.Namespace) -> int:
    """``vws privacy register [--md]``: the register of processing, generated from the schema."""
    from flows.privacy.register import as_markdown, as_text, register

    entries = register(get_settings())
    print("\n".join(as_markdown(entries) if args.md else as_text(entries)))
    return 0


def _out_paths(out: str) -> tuple[Path, Path]:
    base = Path(out)
    if base.suffix.lower() in (".json", ".md"):
        base = base.with_suffix("")
    return base.with_suffix(".json"), base.with_suffix(".md")


async def cmd_sar(svc: Services, args: argparse.Namespace) -> int:
    """``vws sar PERSON --out FILE``: a subject access export, as JSON and as Markdown."""
    import json

    from flows.privacy.records import find_subject
    from flows.privacy.sar import as_markdown, subject_access

    async with svc.sessions() as s:
        person = await find_subject(s, args.person)
        if person is None:
            print(f"vws: sar: PERSON: no one in the directory is {args.person!r} (a Slack id, Teams id, e-mail or #id)",
                  file=sys.stderr)  # fmt: skip
            return 1
        data = await subject_access(s, person, svc.settings, svc.engine.now())
    as_json, as_md = _out_paths(args.out)
    await asyncio.to_thread(as_json.write_text, json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    await asyncio.to_thread(as_md.write_text, as_markdown(data), encoding="utf-8")
    kinds = len(data["records"]) + len(data["named_in"])
    print(f"Wrote the subject access export for person #{person.id} to {as_json} and {as_md} "
          f"({kinds} kinds of record, {len(data['notices']['rows'])} notices).")  # fmt: skip
    return 0


def _day_arg(value: str, field: str) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise SystemExit(f"vws: {field}: {value!r} is not a date like 2027-01-31") from None


async def cmd_requests(svc: Services, args: argparse.Namespace) -> int:
    """``vws requests [list|add|extend|close]``: data protection requests and their ICO due dates."""
    from flows.privacy import requests
    from flows.privacy.records import find_subject
    from flows.wording import day

    today = svc.engine.today()
    try:
        async with svc.sessions() as s, s.begin():
            if args.requests_command == "add":
                person = await find_subject(s, args.person)
                if person is None:
                    print(f"vws: requests add: PERSON: no one in the directory is {args.person!r}", file=sys.stderr)
                    return 1
                received = _day_arg(args.received, "--received") if args.received else today
                row = await requests.add(s, args.kind, person.id, received, args.note)
                print(f"Recorded request #{row.id} ({row.kind}) from person #{person.id}, received {day(received)}: "
                      f"due {day(row.due_on)}.")  # fmt: skip
                return 0
            if args.requests_command == "extend":
                row = await requests.extend(s, args.id, args.reason, today)
                print(f"Request #{row.id} extended to {day(row.extended_to or row.due_on)}. Tell the person why, within the first month.")
                return 0
            if args.requests_command == "close":
                row = await requests.close(s, args.id, today, refused=args.refused)
                print(f"Request #{row.id} closed ({row.status}) on {day(today)}.")
                return 0
            lines = await requests.listing(s, everything=args.all)
    except requests.RequestError as exc:
        print(f"vws: requests: {exc}", file=sys.stderr)
        return 1
    if not lines:
        print("No open data protection requests." if not args.all else "No data protection requests recorded.")
        return 0
    for r in lines:
        left = (r.due_on - today).days
        flag = "OVERDUE" if r.status == "open" and left < 0 else (f"{left} days left" if r.status == "open" else r.status)
        extended = f" (extended: {r.reason})" if r.extended else ""
        print(f"#{r.id:<4} {r.kind:<14} person #{r.person_id or '-':<6} received {day(r.received_on):<12} "
              f"due {day(r.due_on):<12} {flag}{extended}")  # fmt: skip
    return 0


async def cmd_erase(svc: Services, args: argparse.Namespace) -> int:
    """``vws erase PERSON [--dry-run]``: replace a person with a tombstone, keeping the record."""
    from flows.privacy.erase import erase
    from flows.privacy.records import find_subject

    async with svc.sessions() as s:
        async with s.begin():
            person = await find_subject(s, args.person)
            if person is None:
                print(f"vws: erase: PERSON: no one in the directory is {args.person!r}", file=sys.stderr)
                return 1
            if person.erased_at is not None:
                print(f"Person #{person.id} was already erased ({person.tombstone}); nothing changed.")
                return 0
            result = await erase(s, person, svc.engine.now(), request_id=args.request)
            if result.refused or args.dry_run:
                await s.rollback()
    if result.refused:
        print(f"vws: erase: person #{result.person_id} is still needed; nothing was erased. Reassign first:",
              file=sys.stderr)  # fmt: skip
        for b in result.blockers:
            print(f"  - {b}", file=sys.stderr)
        return 1
    head = "Would erase" if args.dry_run else "Erased"
    print(f"{head} person #{result.person_id}: now {result.tombstone!r}.")
    for line in result.done:
        print(f"  {line}")
    n = sum(result.messages.values())
    if args.dry_run:
        print(f"{n} of the bot's direct messages to them would be deleted in Slack and Teams.")
    elif n:
        print(f"{n} of the bot's direct messages to them will be deleted in Slack and Teams by the delivery worker"
              " (vws outbox shows any it could not delete).")  # fmt: skip
    if args.dry_run:
        print("Dry run: nothing was changed.")
    return 0


async def cmd_retention(svc: Services, args: argparse.Namespace) -> int:
    """``vws retention [--now T] [--dry-run]``: apply the register's retention periods (the clock does it daily)."""
    from flows.privacy.retention import apply

    try:
        now = _moment(args.now, svc.settings.tz) if args.now else svc.engine.now()
    except ValueError:
        print(f"vws: retention: --now: {args.now!r} is not a date and time like 2027-03-16T08:00", file=sys.stderr)
        return 2
    async with svc.sessions() as s:
        async with s.begin():
            counts = await apply(s, svc.settings, now)
            if args.dry_run:
                await s.rollback()
    verb = "Would change" if args.dry_run else "Changed"
    for name, n in counts.items():
        print(f"  {name}: {n}")
    total = sum(counts.values())
    print(f"{verb} {total} row{'s' if total != 1 else ''} past their retention period."
          + (" Dry run: nothing was changed." if args.dry_run else ""))  # fmt: skip
    return 0


# ----------------------------------------------------------------------------- teams


def cmd_teams_package(args: argparse.Namespace) -> int:
    from bot.teams.package import build_teams_package
    from bot.teams.settings import TeamsSettings

    settings = TeamsSettings()
    if not settings.app_id:
        print("vws: set MICROSOFT_APP_ID (the Azure bot's app ID) first: the package names it.", file=sys.stderr)
        return 2
    path = build_teams_package(args.out, settings, host=args.host)
    print(f"Wrote the Teams app package to {path}. Upload it in the Teams admin centre (Manage apps -> Upload).")
    return 0


# ----------------------------------------------------------------------------- sandbox


def cmd_sandbox(args: argparse.Namespace) -> int:
    """``vws sandbox``: a local Slack stand-in with the real bot, in the browser; needs no configuration."""
    from bot.sandbox.server import run

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("sqlalchemy", "alembic", "aiohttp.access", "slack_bolt", "slack_sdk"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        loop = get_settings().event_loop  # (a setting that cannot be used is refused before anything starts)
        return run_loop(run(".", port=args.port, reset=args.reset), loop)
    except KeyboardInterrupt:
        print("The sandbox stopped; its state is kept for next time.")
        return 0


# ----------------------------------------------------------------------------- demo


# ----------------------------------------------------------------------------- the Best Value Code


async def cmd_code_template_load(svc: Services, args: argparse.Namespace) -> int:
    from flows.bestvalue import template

    try:
        source = await asyncio.to_thread(Path(args.file).read_text, encoding="utf-8") if args.file else template.bundled()
    except OSError as exc:
        print(f"vws: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        async with svc.sessions() as s, s.begin():
            version, added = await template.load(s, source)
    except template.TemplateError as exc:
        print(f"vws: {exc}\nNothing was loaded.", file=sys.stderr)
        return 1
    print(f"Loaded version {version} of the Best Value Code." if added else f"Version {version} of the Best Value Code is already loaded: nothing changed.")
    return 0


async def cmd_code_report(svc: Services, args: argparse.Namespace) -> int:
    from flows.bestvalue.adoption import document
    from flows.bestvalue.indicators import find_adoptions, report
    from flows.bestvalue.report import as_lines, as_rows

    found = await find_adoptions(svc.engine, args.employer, limit=LISTED + 1)
    if len(found) != 1:
        _list_matches(args.employer, "adoptions of the Best Value Code", [f"#{i} {name} ({area})" for i, name, area in found])
        return 1
    adoption_id = found[0][0]
    rep = await report(svc.engine, adoption_id)
    assert rep is not None
    if args.docx:
        made = await document(svc.engine, adoption_id)
        await asyncio.to_thread(Path(args.docx).write_bytes, made.content)
        print(f"Wrote the Code as adopted to {args.docx}.")
        return 0
    if args.csv is not None:
        buf = io.StringIO()
        csv.writer(buf).writerows(as_rows(rep))
        if args.csv == "-":
            sys.stdout.write(buf.getvalue())
        else:
            await asyncio.to_thread(Path(args.csv).write_text, buf.getvalue(), encoding="utf-8", newline="")
            print(f"Wrote the report to {args.csv}.")
        return 0
    print("\n".join(as_lines(rep)))
    return 0


async def cmd_demo(svc: Services, args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return await run_demo(svc)


# ----------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="vws", description="VWS Bot: the Valued Worker Scheme in Slack and Teams.")
    sub = p.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply schema migrations").set_defaults(fn=cmd_db_upgrade, check=False)
    db.add_parser("status", help="show the schema revision").set_defaults(fn=cmd_db_status, check=False)

    directory = sub.add_parser("directory", help="the directory of associations and reps")
    dsub = directory.add_subparsers(dest="directory_command", required=True)
    load = dsub.add_parser("load", help="upsert the directory from a YAML file")
    load.add_argument("file")
    load.set_defaults(fn=cmd_directory_load)

    reg = sub.add_parser("register", help="the employers in the scheme")
    reg.add_argument("--csv", nargs="?", const="-", metavar="FILE", help="write CSV (to FILE, or standard output)")
    reg.add_argument("--all", action="store_true", help="include every case, not only members")
    reg.set_defaults(fn=cmd_register)

    audit = sub.add_parser("audit", help="one employer's history")
    audit.add_argument("employer", help="name (or part of it) or #number")
    audit.set_defaults(fn=cmd_audit)

    plan = sub.add_parser("plan", help="one employer's current action plan and workplan")
    plan.add_argument("employer")
    plan.set_defaults(fn=cmd_plan)

    code = sub.add_parser("code", help="the Best Value Code for Quality Employment")
    csub = code.add_subparsers(dest="code_command", required=True)
    tpl = csub.add_parser("template", help="the Code as data").add_subparsers(dest="template_command", required=True)
    tload = tpl.add_parser("load", help="load the Code's data file (the bundled one by default); twice changes nothing")
    tload.add_argument("file", nargs="?", default=None)
    tload.set_defaults(fn=cmd_code_template_load)
    crep = csub.add_parser("report", help="one adoption: indicators against targets by year, clause positions, contracts")
    crep.add_argument("employer", help="the employer's name (or part of it) or #number")
    crep.add_argument("--csv", nargs="?", const="-", metavar="FILE", help="write CSV (to FILE, or standard output)")
    crep.add_argument("--docx", metavar="FILE", help="write the Code as adopted as a Word document")
    crep.set_defaults(fn=cmd_code_report)
    lsp = sub.add_parser("partnership", help="a local social partnership's remit, protocol, open issues and history")
    lsp.add_argument("partnership", help="its name, its local authority (or part of either), or #number")
    lsp.set_defaults(fn=cmd_partnership)

    issues = sub.add_parser("issues", help="the partnerships' issues as counts only: theme by region by level")
    issues.add_argument("--csv", nargs="?", const="-", metavar="FILE", help="write CSV (to FILE, or standard output)")
    issues.set_defaults(fn=cmd_issues)

    serve = sub.add_parser("serve", help="run the bot: Slack (HTTP or Socket Mode), Teams, health check")
    serve.add_argument("--port", type=int, default=None, help="port (default $PORT, or 3000)")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    clock = serve.add_mutually_exclusive_group()
    clock.add_argument("--with-clock", dest="with_clock", action="store_true", default=None,
                       help="run the reminder clock in this process (the default on SQLite)")
    clock.add_argument("--no-clock", dest="with_clock", action="store_false", help="leave reminders to `vws clock`")
    serve.add_argument("--processes", type=int, default=None, metavar="N",
                       help="server processes taking turns on the port, one a core (default $VWS_PROCESSES, or 1)")
    serve.add_argument("--socket-fd", type=int, default=None, help=argparse.SUPPRESS)  # a process of --processes
    serve.add_argument("--process-index", type=int, default=0, help=argparse.SUPPRESS)
    serve.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)
    serve.set_defaults(fn=cmd_serve)

    remind = sub.add_parser("remind", help="send the reminders due now (or at --now) once, and say what went")
    remind.add_argument("--now", metavar="ISO-DATETIME",
                        help="sweep as if it were this moment, e.g. 2027-03-16T08:00 (local time unless an offset is given)")
    remind.add_argument("--dry-run", action="store_true", help="say what would be sent; send and record nothing")
    remind.set_defaults(fn=cmd_remind)

    clock_cmd = sub.add_parser("clock", help="run the reminder clock (the Procfile's clock: process)")
    clock_cmd.add_argument("--interval", type=float, default=60, help="seconds between sweeps (default 60)")
    clock_cmd.set_defaults(fn=cmd_clock)

    tp = sub.add_parser("teams-package", help="build the Microsoft Teams app package (manifest and icons)")
    tp.add_argument("--out", default=".", help="a .zip file or a folder (default: the current folder)")
    tp.add_argument("--host", default=None, help="the bot's public host name, e.g. vws.example.org")
    tp.set_defaults(fn=None, sync_fn=cmd_teams_package)

    worker = sub.add_parser("worker", help="deliver the outbox to Slack and Teams (the Procfile's worker: process)")
    worker.set_defaults(fn=cmd_worker)

    outbox = sub.add_parser("outbox", help="the outbox: what waits, what was parked after failing")
    osub = outbox.add_subparsers(dest="outbox_command")
    retry = osub.add_parser("retry", help="send parked notices again (all, or those IDs)")
    retry.add_argument("ids", nargs="*", type=int)
    outbox.set_defaults(fn=cmd_outbox, outbox_command=None)

    privacy = sub.add_parser("privacy", help="data protection: the register of processing")
    psub = privacy.add_subparsers(dest="privacy_command", required=True)
    preg = psub.add_parser("register", help="print the register of processing, generated from the schema")
    preg.add_argument("--md", action="store_true", help="as a Markdown table")
    preg.set_defaults(fn=None, sync_fn=cmd_privacy_register)

    sar = sub.add_parser("sar", help="subject access: export every record about a person (JSON and Markdown)")
    sar.add_argument("person", help="their Slack id, Teams id, e-mail address, or #id")
    sar.add_argument("--out", required=True, metavar="FILE", help="writes FILE.json and FILE.md")
    sar.set_defaults(fn=cmd_sar)

    req = sub.add_parser("requests", help="data protection requests: received, due (the ICO's one-month rule), status")
    rsub = req.add_subparsers(dest="requests_command")
    rlist = rsub.add_parser("list", help="open requests, soonest due first")
    rlist.add_argument("--all", action="store_true", help="closed ones too")
    radd = rsub.add_parser("add", help="record a request")
    radd.add_argument("kind", choices=("access", "erasure", "rectification", "objection"))
    radd.add_argument("person", help="their Slack id, Teams id, e-mail address, or #id")
    radd.add_argument("--received", metavar="DATE", help="when it was received (default today), e.g. 2027-01-31")
    radd.add_argument("--note", help="anything to keep with it")
    rext = rsub.add_parser("extend", help="extend by two months (complex or several requests), within the first month")
    rext.add_argument("id", type=int)
    rext.add_argument("--reason", required=True)
    rclose = rsub.add_parser("close", help="record that a request was answered (or refused)")
    rclose.add_argument("id", type=int)
    rclose.add_argument("--refused", action="store_true")
    req.set_defaults(fn=cmd_requests, requests_command="list", all=False)

    er = sub.add_parser("erase", help="erase a person: a tombstone keeps the record, their ids, e-mail, name and words go")
    er.add_argument("person", help="their Slack id, Teams id, e-mail address, or #id")
    er.add_argument("--dry-run", action="store_true", help="say what would change; change nothing")
    er.add_argument("--request", type=int, metavar="ID", help="the erasure request (vws requests) this answers")
    er.set_defaults(fn=cmd_erase)

    ret = sub.add_parser("retention", help="apply the retention periods of the register (the clock does it daily; this runs it now)")
    ret.add_argument("--now", metavar="ISO-DATETIME", help="as if it were this moment (local time unless an offset is given)")
    ret.add_argument("--dry-run", action="store_true", help="say what would change; change nothing")
    ret.set_defaults(fn=cmd_retention)

    demo = sub.add_parser("demo", help="load a demo directory and walk one employer through the whole journey")
    demo.set_defaults(fn=cmd_demo)

    sandbox = sub.add_parser("sandbox", help="try the bot in the browser with a local Slack stand-in (no Slack needed)")
    sandbox.add_argument("--port", type=int, default=8000, help="the page's port on 127.0.0.1 (default 8000)")
    sandbox.add_argument("--reset", action="store_true", help="start from an empty database and workspace")
    sandbox.set_defaults(fn=None, sync_fn=cmd_sandbox)

    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "sync_fn", None) is not None:  # commands that need no database
            return int(args.sync_fn(args))
        settings = get_settings()
    except ValidationError as exc:  # a setting that cannot be used: say which, and why
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"])
            said = str(err["msg"]).removeprefix("Value error, ").removeprefix(f"{name}: ")  # (a validator's own words name it)
            print(f"vws: {name}: {said}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level)
    if args.fn is cmd_serve and args.socket_fd is None:
        count = args.processes if args.processes is not None else settings.processes
        if count < 1 or count > 64:
            print("vws: --processes: give a number from 1 to 64", file=sys.stderr)
            return 2
        if count > 10 and settings.slack_app_token:
            print("vws: --processes: Socket Mode allows at most 10 connections (one a process)", file=sys.stderr)
            return 2
        if count > 1:
            from bot.processes import supervise

            return supervise(count, args.host, args.port or settings.port, with_clock=args.with_clock)
    return run_loop(_with_services(args.fn, args, check_schema=getattr(args, "check", True)), settings.event_loop)


def run_loop(main: Coroutine[Any, Any, T], loop: str = "uvloop") -> T:
    """Run ``main`` to its end on the event loop chosen (``VWS_EVENT_LOOP``, see :mod:`bot.loop`)."""
    with asyncio.Runner(loop_factory=loop_factory(loop)) as runner:
        return runner.run(main)


def demo_directory() -> str:
    return resources.files("bot.data").joinpath("demo_directory.yaml").read_text(encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
