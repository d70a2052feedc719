"""The declared core every process is built on.

- :mod:`flows.core.table`: a process as one table of rows (action, from-stages, to-stage, who may
  act, what must be supplied, guards, how it is offered); :func:`~flows.core.table.Table.available`
  answers "which actions may this person take on this case now" from the rows alone.
- :mod:`flows.core.unit`: the unit of work: load, check the row, conditional move, audit, notices.
- :mod:`flows.core.payload`: the one button payload every platform carries (pack/unpack).
- :mod:`flows.core.dispatch`: one map from action to use case, used by every adapter.
- :mod:`flows.core.forms`: platform-neutral forms, rendered as Slack modals or Teams cards.
- :mod:`flows.core.keys`: builds and parses the keys of messages the bot may update later.
"""
