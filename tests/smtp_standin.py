"""A small SMTP server on 127.0.0.1 for the tests: it speaks enough of RFC 5321 for smtplib
(EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), keeps what it was given, and can refuse as a real
server does (a recipient refused for good, or a temporary failure)."""

from __future__ import annotations

import asyncio
import email
import email.policy
from dataclasses import dataclass, field
from email.message import EmailMessage


@dataclass
class Received:
    sender: str
    to: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        body = self.message.get_body(("plain",))
        return body.get_content() if body is not None else ""  # type: ignore[union-attr]


@dataclass
class SmtpStandIn:
    received: list[Received] = field(default_factory=list)
    refuse: dict[str, int] = field(default_factory=dict)  # recipient -> the RCPT answer's code
    busy: int = 0  # answer this many DATA commands with 451 (try again later)
    port: int = 0
    server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"smtp+insecure://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.to]

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def say(line: str) -> None:
            writer.write(line.encode() + b"\r\n")

        say("220 standin ESMTP")
        sender, rcpts = "", []
        try:
            while line := await reader.readline():
                command = line.decode("utf-8", "replace").rstrip("\r\n")
                verb = command[:4].upper()
                if verb == "EHLO":
                    say("250-standin")
                    say("250-8BITMIME")
                    say("250 SMTPUTF8")
                elif verb == "HELO":
                    say("250 standin")
                elif verb == "MAIL":
                    sender, rcpts = _address(command), []
                    say("250 OK")
                elif verb == "RCPT":
                    address = _address(command)
                    code = self.refuse.get(address)
                    if code:
                        say(f"{code} not accepted here")
                    else:
                        rcpts.append(address)
                        say("250 OK")
                elif verb == "DATA":
                    if self.busy:
                        self.busy -= 1
                        say("451 try again later")
                        continue
                    say("354 go ahead")
                    data = bytearray()
                    while (chunk := await reader.readline()) not in (b".\r\n", b""):
                        data += chunk[1:] if chunk.startswith(b"..") else chunk
                    parsed = email.message_from_bytes(bytes(data), policy=email.policy.default)
                    self.received.append(Received(sender, rcpts, parsed))  # type: ignore[arg-type]
                    say("250 queued")
                elif verb == "RSET":
                    sender, rcpts = "", []
                    say("250 OK")
                elif verb == "NOOP":
                    say("250 OK")
                elif verb == "QUIT":
                    say("221 bye")
                    await writer.drain()
                    break
                else:
                    say("502 not implemented")
                await writer.drain()
        finally:
            writer.close()


def _address(command: str) -> str:
    return command.partition("<")[2].partition(">")[0]
