"""``vws sandbox``: the whole journey in a browser, with no Slack workspace.

It runs the Slack stand-in (``bot.sandbox.slack``), the real bot's web app against it on
127.0.0.1 (signature checks on), and a small web page where you pick who you are, read your
messages and App Home, type ``/vws …``, click buttons, fill in modals, reply in threads and move
the sandbox's clock to watch reminders fall due.
"""

from bot.sandbox.clock import SandboxClock
from bot.sandbox.personas import Persona, personas
from bot.sandbox.server import Sandbox

__all__ = ["Persona", "Sandbox", "SandboxClock", "personas"]
