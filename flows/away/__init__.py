"""Absence and delegation (issue 14, part 7): a person away between two dates hands their
decisions to someone allowed to act in the same role; meanwhile the requests go to that person
at once, and what they decide is recorded as "Y for X". Its table is :mod:`.journey`, who may
act for whom and where a request goes is :mod:`.delegation`, the use cases :mod:`.actions`."""
