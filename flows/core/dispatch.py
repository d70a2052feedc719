"""One dispatcher for every adapter: a map from action to use case, and from command to response.

Like cosmicpython's ``COMMAND_HANDLERS``: each process registers, for each of its actions, the
use case that runs it and (when the row needs input) the form that collects it; and, for each
of its ``/vws`` words, what answers it. An adapter only parses a request into a
:class:`~flows.core.payload.Payload` (a click), a form's answers or a command word, calls
:meth:`Dispatcher.press`, :meth:`Dispatcher.submit` or :meth:`Dispatcher.command`, and renders
what comes back. Adding an action touches its table, its use case and its wording, never an
adapter.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any, Concatenate, ParamSpec, TypeVar

from flows.core.forms import MAX_TEXT, Form, Option, clean_answers, clean_text
from flows.core.payload import Payload
from flows.core.status import StatusSection
from flows.core.unit import one_read
from flows.directory import Who
from flows.notices import Button, File, FileRef, Outcome, Text
from flows.wording import say

Inputs = Mapping[str, Any]
RunFn = Callable[[Any, Who, Payload, Inputs], Awaitable[Outcome]]
FormFn = Callable[[Any, Who, Payload], Awaitable["Form | Outcome"]]


@dataclass(frozen=True)
class Handler:
    """How one action runs: ``run`` (the use case) and, when it needs input first, ``form``."""

    run: RunFn
    form: FormFn | None = None


@dataclass(frozen=True)
class ShowStatus:
    """A command answered with the person's status (``/vws status``)."""

    view: Any  # a StatusView, or None for someone not in the directory


@dataclass(frozen=True)
class ShowHelp:
    """A command answered with the list of commands; ``unknown`` is a word not understood."""

    commands: tuple[tuple[str, str], ...]
    unknown: str | None = None


Response = Form | Outcome | ShowStatus | ShowHelp
CommandFn = Callable[[Any, Who, str], Awaitable[Response]]
StatusFn = Callable[[Any, Who], Awaitable[list[StatusSection]]]
OptionsFn = Callable[[Any, Who, str, str], Awaitable[list[Option]]]  # (core, who, source's argument, typed)
SpaceReplyFn = Callable[[Any, Who, str, str], Awaitable["Outcome | None"]]
PrivateReplyFn = Callable[[Any, Who, str], Awaitable["Outcome | None"]]
FileFn = Callable[[Any, int], Awaitable["File | None"]]
MayHaveFn = Callable[[Any, Who, int], Awaitable[bool]]  # may this person have the document of this subject?
FormNotesFn = Callable[[Any, Who, Form], Awaitable[tuple[str, ...]]]
HintFn = Callable[[str], "Text | None"]  # a space's key -> what its chat is for, or None: not this process's
OffersFn = Callable[[Any, Who, list[Payload]], Awaitable[list[Button]]]


@dataclass(frozen=True)
class Command:
    word: str
    help: str  # what it does, for the help list
    run: CommandFn
    menu: bool = True  # offered in the Teams command menu
    reads: bool = False  # answered from reads alone: they share one session (see one_read)


P = ParamSpec("P")
T = TypeVar("T")
_IN_TURN: ContextVar[bool] = ContextVar("vws_in_turn", default=False)


def _taking_turns(fn: Callable[Concatenate[Dispatcher, P], Awaitable[T]]) -> Callable[Concatenate[Dispatcher, P], Awaitable[T]]:
    """A person's request, decided in its turn (:attr:`Dispatcher.turns`); inside one, no second turn."""

    @functools.wraps(fn)
    async def run(self: Dispatcher, *args: P.args, **kwargs: P.kwargs) -> T:
        if self.turns is None or _IN_TURN.get():
            return await fn(self, *args, **kwargs)
        async with self.turns:
            token = _IN_TURN.set(True)
            try:
                return await fn(self, *args, **kwargs)
            finally:
                _IN_TURN.reset(token)

    return run


@dataclass
class Dispatcher:
    """The registry: processes add their actions and commands; adapters call press/submit/command."""

    core: Any
    actions: dict[str, Handler] = field(default_factory=dict)
    commands: dict[str, Command] = field(default_factory=dict)
    space_replies: list[SpaceReplyFn] = field(default_factory=list)
    private_replies: list[PrivateReplyFn] = field(default_factory=list)
    channel_replies: list[SpaceReplyFn] = field(default_factory=list)
    space_hints: list[HintFn] = field(default_factory=list)
    status_sources: list[StatusFn] = field(default_factory=list)
    option_sources: dict[str, OptionsFn] = field(default_factory=dict)
    files: dict[str, FileFn] = field(default_factory=dict)
    file_readers: dict[str, MayHaveFn] = field(default_factory=dict)
    form_notes: dict[str, list[FormNotesFn]] = field(default_factory=dict)
    offer_sources: dict[str, OffersFn] = field(default_factory=dict)  # by action
    #: Each form's text limits by the action it submits, learnt as forms are shown (after a
    #: restart, until a form is shown again, only MAX_TEXT; the use cases check their own too).
    limits: dict[str, dict[str, int | None]] = field(default_factory=dict)
    #: How many people's requests are decided at the same time, on Slack and Teams alike (set by
    #: whoever runs the bot; None: no limit). The rest wait their turn, first come first served:
    #: in a burst (a hundred forms opened in the same second) each request is decided in its turn,
    #: not all of them a step at a time together, where the last steps of some wait behind every
    #: other request's first. An adapter's deadline (``deciding_within``) counts the wait.
    turns: asyncio.Semaphore | None = None

    def add(self, action: str, run: RunFn, form: FormFn | None = None) -> None:
        assert action not in self.actions, f"{action} is registered twice"
        self.actions[str(action)] = Handler(run, form)

    def add_file(self, source: str, fn: FileFn, may_have: MayHaveFn | None = None) -> None:
        """How a process makes the documents its notices carry (:class:`~flows.notices.FileRef`)
        and, with ``may_have``, who may fetch one when they ask (a Teams file consent)."""
        self.files[source] = fn
        if may_have is not None:
            self.file_readers[source] = may_have

    async def file_for(self, who: Who, source: str, subject: int) -> File | None:
        """The document, made now, for a person who asked for it; None unless the process says
        they may have it (a document whose process names no readers is handed to nobody)."""
        may = self.file_readers.get(source)
        if may is None or not await may(self.core, who, subject):
            return None
        return await self.file(FileRef(source, subject, ""))

    async def file(self, ref: FileRef) -> File | None:
        """The document a notice refers to, made now; None when its maker or subject is gone."""
        fn = self.files.get(ref.source)
        return await fn(self.core, ref.subject) if fn is not None else None

    def add_command(self, command: Command) -> None:
        self.commands[command.word] = command

    def add_options(self, kind: str, fn: OptionsFn) -> None:
        """Where a searched field's choices come from: sources named ``kind`` or ``kind:argument``."""
        self.option_sources[kind] = fn

    async def options(self, who: Who, source: str, typed: str, limit: int = 100) -> list[Option]:
        """The choices of a searched field that match what the person typed (at most ``limit``)."""
        kind, _, argument = (source or "").partition(":")
        fn = self.option_sources.get(kind)
        if fn is None:
            return []
        return (await fn(self.core, who, argument, clean_text(typed or "").strip()[:100]))[:limit]

    def add_status(self, fn: StatusFn) -> None:
        """A process's sections of a person's status."""
        self.status_sources.append(fn)

    async def status_sections(self, who: Who) -> list[StatusSection]:
        out: list[StatusSection] = []
        async with one_read(self.core):  # who the person is, and where, is looked up once
            for fn in self.status_sources:
                out += await fn(self.core, who)
        return out

    def add_offers(self, actions: Iterable[str], fn: OffersFn) -> None:
        """How a process says which of its buttons a person may still press (from its tables)."""
        for a in actions:
            self.offer_sources[str(a)] = fn

    async def still_offered(self, who: Who, payloads: Iterable[Payload]) -> list[Button]:
        """The buttons, of those a message carried (``payloads``), that the person may press now,
        as the processes' tables offer them: for a platform whose message is replaced by the
        answer to a click (a Teams card), so that what is still theirs to do stays on it."""
        wanted: dict[OffersFn, list[Payload]] = {}
        for p in payloads:
            fn = self.offer_sources.get(p.action)
            if fn is not None and p not in wanted.get(fn, []):
                wanted.setdefault(fn, []).append(p)
        out: list[Button] = []
        for fn, ps in wanted.items():
            out += await fn(self.core, who, ps)
        return out

    def add_form_notes(self, form_id: str, fn: FormNotesFn) -> None:
        """What another process adds to a form whenever it opens: paragraphs shown above its
        fields (the revocation form shows the employer's issues on the partnership ladder)."""
        self.form_notes.setdefault(form_id, []).append(fn)

    async def with_notes(self, who: Who, response: Any) -> Any:
        """``response`` with the notes other processes add to it, when it is a form."""
        if isinstance(response, Form):
            self.limits[response.payload.action] = {f.name: f.max_length for f in response.fields}
        if not isinstance(response, Form) or not self.form_notes.get(response.id):
            return response
        notes = list(response.notes)
        for fn in self.form_notes[response.id]:
            notes += await fn(self.core, who, response)
        return replace(response, notes=tuple(notes))

    def add_replies(self, in_space: SpaceReplyFn, in_private: PrivateReplyFn, *,
                    in_channel: SpaceReplyFn | None = None, hint: HintFn | None = None) -> None:  # fmt: skip
        """How a process reads answers typed instead of clicked: in a case's thread or shared
        chat, in a person's own chat, and (``in_channel``) at the top of a shared channel that
        has threads, where an answer is not taken but the person is told where it counts;
        ``hint``: what to tell someone who addressed the bot in one of its spaces with anything
        else (what answers count there)."""
        self.space_replies.append(in_space)
        self.private_replies.append(in_private)
        if in_channel is not None:
            self.channel_replies.append(in_channel)
        if hint is not None:
            self.space_hints.append(hint)

    def space_hint(self, space_key: str) -> Text | None:
        """What the process whose space this is says its chat is for; None when none claims it."""
        for fn in self.space_hints:
            if (found := fn(space_key)) is not None:
                return found
        return None

    @_taking_turns
    async def reply_in_channel(self, who: Who, space_keys: list[str], text: str) -> Outcome | None:
        """A message typed in a shared channel, outside any case's thread: what to tell the
        person (an answer typed in the wrong place), or None to leave it alone (chat)."""
        text = clean_text(text)
        if len(text) > MAX_TEXT:
            return None  # not an answer: chat, left alone
        for key in space_keys:
            for fn in self.channel_replies:
                if (out := await fn(self.core, who, key, text)) is not None:
                    return out
        return None

    @_taking_turns
    async def reply_in_space(self, who: Who, space_keys: list[str], text: str) -> Outcome | None:
        """A message typed in a case's shared space, known by the keys of its posts or its
        conversation (:mod:`flows.core.keys`): what it did, or None when it is not an answer
        there (it is left alone)."""
        text = clean_text(text)
        if len(text) > MAX_TEXT:
            return Outcome(ok=False, reply=say("message.too_long", n=MAX_TEXT))
        for key in space_keys:
            for fn in self.space_replies:
                if (out := await fn(self.core, who, key, text)) is not None:
                    return out
        return None

    @_taking_turns
    async def reply_in_private(self, who: Who, text: str) -> Outcome | None:
        """An answer typed in a person's own chat with the bot; None when it is not one."""
        text = clean_text(text)
        if len(text) > MAX_TEXT:
            return Outcome(ok=False, reply=say("message.too_long", n=MAX_TEXT))
        for fn in self.private_replies:
            if (out := await fn(self.core, who, text)) is not None:
                return out
        return None

    def help(self, unknown: str | None = None) -> ShowHelp:
        return ShowHelp(tuple((c.word, c.help) for c in self.commands.values()), unknown)

    @_taking_turns
    async def press(self, who: Who, payload: Payload) -> Form | Outcome:
        """A click: the form to fill in first, or what the action did."""
        handler = self.actions.get(payload.action)
        if handler is None:
            return stale()
        if handler.form is not None:
            return await self.with_notes(who, await handler.form(self.core, who, payload))  # type: ignore[no-any-return]
        return await handler.run(self.core, who, payload, {})

    @_taking_turns
    async def submit(self, who: Who, payload: Payload, answers: Inputs) -> Outcome:
        """A form sent: run its action with the answers (field errors come back in ``errors``)."""
        handler = self.actions.get(payload.action)
        if handler is None:
            return stale()
        answers, too_long = clean_answers(answers, self.limits.get(payload.action))
        if too_long:  # refused at the edge: no use case sees an over-long answer
            return Outcome(ok=False, reply=say("field.too_long.reply"), errors=too_long)
        out = await handler.run(self.core, who, payload, answers)
        if out.next_form is not None:
            out.next_form = await self.with_notes(who, out.next_form)
        return out

    @_taking_turns
    async def again(self, who: Who, payload: Payload, answers: Inputs, outcome: Outcome) -> Form | None:
        """The form of ``payload`` again, filled in with ``answers`` and showing what was wrong
        (for platforms whose forms close on submit, like Teams cards)."""
        handler = self.actions.get(payload.action)
        if handler is None or handler.form is None:
            return None
        form = await self.with_notes(who, await handler.form(self.core, who, payload))
        if not isinstance(form, Form):
            return None
        answers = {k: v for k, v in clean_answers(answers)[0].items() if k not in outcome.errors or len(str(v)) <= MAX_TEXT}
        values = {k: str(v) for k, v in answers.items() if isinstance(v, str | int) and not isinstance(v, bool)}
        values |= {k: ",".join(str(x) for x in v) for k, v in answers.items() if isinstance(v, list | tuple)}
        return replace(form, values=values, errors=dict(outcome.errors), problem=outcome.reply_text)

    @_taking_turns
    async def command(self, who: Who, text: str) -> Response:
        """A typed command: ``propose``, ``plan oakfield``, ``status``..."""
        words = clean_text(text or "")[:MAX_TEXT].strip().split(maxsplit=1)
        word = words[0].lower() if words else "help"
        rest = words[1] if len(words) > 1 else ""
        if word in ("", "help"):
            return self.help()
        found = self.commands.get(word)
        if found is None:
            return self.help(unknown=word)
        async with one_read(self.core) if found.reads else nullcontext():
            out = await found.run(self.core, who, rest)
            if isinstance(out, ShowStatus) and out.view is not None and not out.view.sections:
                out.view.sections = await self.status_sections(who)  # every process's part of the status
        return await self.with_notes(who, out)  # type: ignore[no-any-return]


def stale() -> Outcome:
    return Outcome(ok=False, reply=say("button_stale"))
