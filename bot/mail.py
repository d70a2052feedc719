"""E-mail: the notices for a person the bot can reach in neither Slack nor Teams, when the
directory has their e-mail address (the router's ``email`` platform, through the outbox).

Plain text: what happened and what to do next, with where to answer (``VWS_EMAIL_LINK``, or VWS
Bot's chat in Teams); e-mail cannot carry the buttons. The subject line is the same for every
message, so that nothing in an inbox list says what the person is or does (a union role is
special-category data). Sent with the standard library's ``smtplib`` in a thread; the SMTP
server's answer decides what the outbox does: 4xx try later, 5xx park, no answer after the
message was handed over "maybe sent". Logs carry SMTP codes only, never addresses.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from urllib.parse import unquote, urlsplit

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import MaybeSent, Refused, TryLater, Undelivered, Unreachable
from bot.settings import Settings
from flows.notices import Notice, ToPerson, plain
from models.db import reading
from models.tables import Person

log = logging.getLogger(__name__)

EMAIL = "email"
SUBJECT = "A message from VWS Bot"


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: str  # "tls" (smtps), "starttls" (smtp) or "none" (smtp+insecure)
    user: str | None
    password: str | None
    sender: str
    timeout: float

    @classmethod
    def from_url(cls, url: str, sender: str, timeout: float = 20.0) -> SmtpServer:
        parts = urlsplit(url)
        tls = {"smtps": "tls", "smtp": "starttls", "smtp+insecure": "none"}[parts.scheme]
        port = parts.port or {"tls": 465, "starttls": 587, "none": 25}[tls]
        return cls(parts.hostname or "localhost", port, tls, unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None, sender, timeout)  # fmt: skip


def teams_chat_link(app_id: str) -> str:
    """A link that opens a 1:1 chat with the bot in Teams."""
    return f"https://teams.microsoft.com/l/chat/0/0?users=28:{app_id}"


def compose(n: Notice, to: str, sender: str, ident: str, link: str | None) -> EmailMessage:
    """The e-mail for a notice: its text, then what to do next, then why it came by e-mail."""
    lines = [n.headline, ""]
    lines += [plain(b) for b in n.body]
    if n.facts:
        lines += ["", *(f"{label}: {value}" for label, value in n.facts)]
    if n.next_step:
        lines += ["", "Next: " + plain(n.next_step)]
    where = f"VWS Bot ({link})" if link else "VWS Bot in Slack or Teams"
    lines.append("")
    if n.buttons:
        lines.append(f"What to do next: this e-mail cannot take an answer. Open {where} and type 'status': this is "
                     f"listed there with its buttons ({', '.join(b.label for b in n.buttons)}).")  # fmt: skip
    else:
        lines.append(f"Nothing to answer here. You can see your items at any time: open {where} and type 'status'.")
    lines += ["", "You are getting this by e-mail because VWS Bot cannot reach you in Slack or Teams. If you can't "
              "open VWS Bot there, ask your union's VWS admin to add you; until then, please answer the person "
              "named above yourself."]  # fmt: skip
    msg = EmailMessage()
    msg["Subject"] = SUBJECT
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "vws-bot"
    msg["Message-ID"] = f"<{hashlib.sha256(ident.encode()).hexdigest()[:32]}@{domain}>"  # the same on a retry
    msg.set_content("\n".join(lines) + "\n")
    return msg


class EmailSender:
    """The ``email`` platform: one notice to one person's e-mail address."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], server: SmtpServer, link: str | None = None) -> None:
        self.sessions = sessions
        self.server = server
        self.link = link

    @classmethod
    def from_settings(
        cls, sessions: async_sessionmaker[AsyncSession], settings: Settings, link: str | None = None
    ) -> EmailSender | None:
        """The sender configured by ``VWS_SMTP_URL``, or None when e-mail is not configured."""
        if settings.smtp_url is None:
            return None
        server = SmtpServer.from_url(settings.smtp_url.get_secret_value(), settings.smtp_from, settings.smtp_timeout)
        return cls(sessions, server, settings.email_link or link)

    async def send(self, notice: Notice, *, ident: str, check: bool = False) -> None:
        """E-mail the notice to its recipient. (An e-mail cannot be looked up once sent, so a try
        whose answer was lost is sent again with the same Message-ID.)"""
        if notice.place is not None or not isinstance(notice.to, ToPerson):
            raise Refused("email_people_only")
        async with reading(self.sessions) as s:
            person = await s.get(Person, notice.to.person.id)
            address = person.email if person is not None else None
        if not address:
            raise Unreachable("no_email", "reach.no_chat")
        msg = compose(notice, address, self.server.sender, ident, self.link)
        try:
            await asyncio.to_thread(self._deliver, msg, address)
        except Undelivered as exc:
            log.info("e-mail of a %s notice not delivered (%s)", notice.kind.value, exc.code)
            raise

    def _deliver(self, msg: EmailMessage, address: str) -> None:
        srv = self.server
        handed_over = False
        try:
            if srv.tls == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(srv.host, srv.port, timeout=srv.timeout,
                                                      context=ssl.create_default_context())  # fmt: skip
            else:
                smtp = smtplib.SMTP(srv.host, srv.port, timeout=srv.timeout)
            with smtp:
                smtp.ehlo()
                if srv.tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if srv.user:
                    smtp.login(srv.user, srv.password or "")
                sender = parseaddr(srv.sender)[1]
                code, _ = smtp.mail(sender)
                _answer(code)
                code, _ = smtp.rcpt(address)
                _answer(code)
                handed_over = True
                code, _ = smtp.data(msg.as_bytes())
                _answer(code)
        except Undelivered:
            raise
        except smtplib.SMTPResponseException as exc:
            raise _of(exc.smtp_code) from None
        except (smtplib.SMTPServerDisconnected, TimeoutError) as exc:
            if handed_over:  # the message went; its answer did not come back
                raise MaybeSent(f"smtp_{type(exc).__name__}") from None
            raise TryLater(f"smtp_{type(exc).__name__}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TryLater(f"smtp_{type(exc).__name__}") from None


def _answer(code: int) -> None:
    if code >= 400:
        raise _of(code)


def _of(code: int) -> Undelivered:
    return TryLater(f"smtp_{code}") if 400 <= code < 500 else Refused(f"smtp_{code}")
