"""The Best Value Code for Quality Employment (shared/seeds/003), as a process on the declared core.

Union branches agree an employer's code clause by clause (Agreed as written, Amend locally, Not
agreed, Park; one voice per branch), the lead rep takes it to the corporate and departmental
Best Value committees and records each clause's outcome, indicators carry annual targets, and
potential contractors are asked to commit to the code as adopted.

- ``code_v1.yaml``: the code as data; :mod:`.template` loads it (``vws code template load``).
- :mod:`.process`: the two tables (an adoption, and a contract within it); :mod:`.case` their
  steps; one module per group of use cases (:mod:`.adoption`, :mod:`.committee`,
  :mod:`.indicators`, :mod:`.contracts`); :mod:`.adopted` the Code as adopted (text and Word);
  :mod:`.status`, :mod:`.replies` ("3.2 agreed"), :mod:`.forms`, :mod:`.reminders`, and
  :mod:`.actions` (the entries in the dispatcher).
"""
