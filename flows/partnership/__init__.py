"""Local social partnerships and their issue resolution process (WAMG's note, seed 004).

An issue is resolved "at as local a level as possible": it is raised in its partnership, may be
escalated to the regional and then the national level by any party, but only once options for
resolution have been exhausted at the level it is at (at least one attempt there that did not
resolve it, and the escalator's reasons). Individual casework never enters it.

- :mod:`.journey`: the declared tables (an issue's ladder; a partnership's remit and protocol).
- :mod:`.case`: an issue or a partnership as a use case sees it, and the shared steps.
- :mod:`.raising`, :mod:`.ladder`, :mod:`.closing`, :mod:`.documents`: the use cases.
- :mod:`.status`, :mod:`.report`: what each person and each level sees.
- :mod:`.reminders`: its nudges; :mod:`.directory`: its part of the directory file.
- :mod:`.actions`: its entries in the dispatcher.
"""
