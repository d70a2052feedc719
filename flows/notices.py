"""What the bot should say, to whom, with which next steps: platform-neutral output of the flows.

The flows return :class:`Notice` values; the Slack and Teams adapters render them (Block Kit,
Adaptive Cards) and the CLI prints them. Nothing here knows a chat platform exists.

Text is a tuple of parts: plain strings (which may contain user-typed text: adapters escape
them when they render) and :class:`PersonRef` (which adapters turn into a mention). That keeps
mentions out of user text: a rep who types ``<@U123>`` into a form pings nobody.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flows.core.forms import Form
    from flows.core.table import Need


@dataclass(frozen=True)
class PersonRef:
    """A person in the directory, by id. ``label`` is for plain-text rendering only."""

    id: int
    label: str = ""


Part = str | PersonRef
Text = tuple[Part, ...]


def text(*parts: Part | None) -> Text:
    """Build a Text, dropping ``None`` parts."""
    return tuple(p for p in parts if p is not None and p != "")


def plain(t: Text | str) -> str:
    """Render a Text as plain text (CLI, tests, fallbacks)."""
    if isinstance(t, str):
        return t
    return "".join(p if isinstance(p, str) else (p.label or f"person {p.id}") for p in t)


# --------------------------------------------------------------------------- recipients


@dataclass(frozen=True)
class ToPerson:
    """A direct message to one person."""

    person: PersonRef


@dataclass(frozen=True)
class ToPartnerSpace:
    """The employer's shared space with the partner unions (a Slack channel, a Teams channel or chat).

    Notices to it are posted in the thread of the proposal post, except the one with
    ``open_space`` set, which creates the space, invites ``members`` and is the thread's root.
    ``in_channel`` notices (a step's buttons, a draft: what people are told to find "in the
    shared channel") are shown in the channel itself as well as in the thread.
    """

    employer_id: int
    open_space: bool = False
    members: tuple[PersonRef, ...] = ()
    invite_emails: tuple[str, ...] = ()  # reps known only by e-mail (in another organisation)
    name_hint: str = ""  # a readable channel name, e.g. "vws-oakfield-school"
    in_channel: bool = False


@dataclass(frozen=True)
class ToSpace:
    """Another process's private shared space, by key (``partnership:3``, ``adoption:7``): a Slack
    channel, or a Teams channel or group chat, like the partner space (see ToPartnerSpace).

    ``thread`` names (by its notice ``key``) an earlier post in the space whose thread this one
    goes in, where the platform has threads; without it a post goes in the thread of the latest
    ``open_space`` post. So one space can hold several cases, each with its own thread.
    """

    key: str
    open_space: bool = False
    members: tuple[PersonRef, ...] = ()
    invite_emails: tuple[str, ...] = ()
    name_hint: str = ""
    thread: str | None = None


Space = ToPartnerSpace | ToSpace


@dataclass(frozen=True)
class ToNational:
    """The national union's channel."""


Recipient = ToPerson | ToPartnerSpace | ToSpace | ToNational


# --------------------------------------------------------------------------- buttons


class Kind(StrEnum):
    """What a notice is about; adapters may use it to choose an icon or a card layout."""

    APPROVAL_REQUEST = "approval_request"
    DECIDED = "decided"  # replaces an approval request: who decided, when, no live buttons
    PROGRESS = "progress"  # the case moved on: for information
    REJECTED = "rejected"  # reasons back to the proposer
    PARTNER_REQUEST = "partner_request"
    PARTNER_VOICE = "partner_voice"
    ROUTE_REQUEST = "route_request"
    DRAFT = "draft"  # the JCC agenda item or joint letter
    PLAN_REQUEST = "plan_request"
    JOINED = "joined"
    NATIONAL = "national"  # the national union: add to the list, send the logo, remove
    REVIEW_DUE = "review_due"
    REVIEWED = "reviewed"
    REVOKED = "revoked"
    WITHDRAWN = "withdrawn"
    REMINDER = "reminder"
    REPLY = "reply"  # the answer to the person who acted, shown where they acted


class ButtonStyle(StrEnum):
    PRIMARY = "primary"
    DANGER = "danger"
    DEFAULT = "default"


@dataclass(frozen=True)
class Confirm:
    """A question asked before a click takes effect (one that cannot simply be undone): what will
    happen and who will be told, with the words of its two answers."""

    title: str
    text: str
    yes: str
    no: str = "Cancel"


@dataclass(frozen=True)
class Button:
    """A next step the recipient may take: a row of a process table, offered as a button.

    ``employer_id`` is the case the click acts on, ``revision`` and ``cycle`` the version of it
    the button was made for (a click on an older one changes nothing), ``value`` what the row
    needs beyond that (the route, the reminder to snooze). ``needs`` says the click opens a form.
    Adapters pack all of it with :class:`flows.core.payload.Payload`.
    """

    action: str
    label: str
    employer_id: int
    revision: int | None = None
    value: str | None = None  # e.g. the route: "jcc" or "joint_letter"
    style: ButtonStyle = ButtonStyle.DEFAULT
    needs: tuple[Need, ...] = ()
    cycle: int | None = None
    confirm: Confirm | None = None  # asked first (Slack's confirm dialog; in Teams, a card that opens)


# --------------------------------------------------------------------------- files


@dataclass(frozen=True)
class FileRef:
    """A document that goes with a notice (the Code as adopted, as a Word file).

    Only a reference travels with the notice: ``source`` names the dispatcher's file maker
    (:meth:`flows.core.dispatch.Dispatcher.add_file`) and ``subject`` what it is made of; the
    adapter asks for the bytes when it delivers (a Slack upload in the thread; elsewhere the text).
    """

    source: str
    subject: int
    name: str  # the file name, e.g. "best-value-code-leeds-city-council.docx"


@dataclass(frozen=True)
class File:
    """A document made from a :class:`FileRef`: its name, media type and bytes."""

    name: str
    media_type: str
    content: bytes


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --------------------------------------------------------------------------- notices


@dataclass(frozen=True)
class Place:
    """Where a person acted, so the answer to them can be shown there: the platform, and the
    conversation (and thread) of the click or message; no conversation for a form or App Home
    (the answer then goes to their direct messages)."""

    platform: str
    user: str  # the person's id on that platform
    channel: str | None = None
    thread: str | None = None
    handle: str | None = None  # the platform's own way to answer this action (Slack's response_url)


@dataclass(frozen=True)
class Notice:
    """One message to one recipient.

    ``key`` names the message so a later notice can replace it (``replaces``): the adapter
    stores the platform's message id under the key and updates that message in place, or
    posts anew when it never posted it. ``facts`` are labelled values, mostly user-typed.
    """

    kind: Kind
    to: Recipient
    headline: str
    body: tuple[Text, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    buttons: tuple[Button, ...] = ()
    employer_id: int | None = None
    key: str | None = None
    replaces: str | None = None
    next_step: Text = ()  # "what to do next", said plainly
    place: Place | None = None  # for a REPLY: where the person acted
    files: tuple[FileRef, ...] = ()  # documents that go with it (a Word file)
    acting_for: int | None = None  # sent on to a delegate for this person, who is away (its hops counted)

    def as_plain(self) -> str:
        lines = [self.headline]
        lines += [plain(b) for b in self.body]
        lines += [f"{label}: {value}" for label, value in self.facts]
        if self.next_step:
            lines.append("Next: " + plain(self.next_step))
        if self.buttons:
            lines.append("Buttons: " + ", ".join(b.label for b in self.buttons))
        if self.files:
            lines.append("Files: " + ", ".join(f.name for f in self.files))
        return "\n".join(lines)


@dataclass
class Outcome:
    """The result of one use case: what the person who acted is told, and who else hears what.

    ``ok`` is False for a refusal or bad input; then nothing changed. ``errors`` maps a form
    field to its problem (``employer_name`` -> "Enter the employer's name"), so adapters can
    show them on the form itself.
    """

    ok: bool
    reply: Text
    notices: list[Notice] = field(default_factory=list)
    employer_id: int | None = None
    errors: dict[str, str] = field(default_factory=dict)
    changed: bool = False  # False when a repeated or late click changed nothing
    queued: bool = False  # the reply is in the outbox, to be shown where the person acted
    next_form: Form | None = None  # a form to fill in next, in place of the one just sent
    reply_buttons: tuple[Button, ...] = ()  # offered with the reply, where the person acted
    #: Who of its recipients the bot already knows it cannot reach in chat (``flows.core.reach.
    #: Missed``), worked out in the use case's own transaction and told with the reply; None when
    #: not worked out (no platforms to ask, as in ``vws demo``).
    missed: list[Any] | None = None
    #: Recipients only the platform can say whether it can reach (Teams: someone who never used
    #: the bot, for whom the app must first be installed): asked after the answer.
    unsure: tuple[int, ...] = ()

    @property
    def reply_text(self) -> str:
        return plain(self.reply)
