"""English: local social partnerships, their issue resolution ladder, remit and protocol.
Message id -> message (see flows.wording)."""

from __future__ import annotations

MESSAGES: dict[str, str | tuple[str, str]] = {
    # ------------------------------------------------------------------ common
    "you": "You",
    "the_bot": "the bot",
    "too_long": (
        "Keep this under {n} character.",
        "Keep this under {n} characters.",
    ),
    "level.local": "local",
    "level.regional": "regional",
    "level.national": "national",
    "doc.remit": "remit",
    "doc.protocol": "protocol",
    # ------------------------------------------------------------------ stages and who may act
    "issue.stage.local": "with the local social partnership",
    "issue.stage.regional_asked": "escalated to the regional level, waiting to be acknowledged",
    "issue.stage.regional": "at the regional level",
    "issue.stage.national_asked": "escalated to the national level, waiting to be acknowledged",
    "issue.stage.national": "at the national level",
    "issue.stage.confirming": "resolved above local; waiting for a local member to confirm",
    "issue.stage.resolved": "resolved",
    "issue.stage.casework": "closed: individual casework (its details were erased)",
    "issue.stage.withdrawn": "withdrawn",
    "role.member": "a member of the {area} local social partnership",
    "role.raiser": "whoever raised it",
    "role.regional": "a regional contact for {area}",
    "role.national_contact": "a national contact for {area}",
    "issue.only_who": "Only {names} can do that on issue #{id}. Nothing has changed.",
    "issue.only_members": (
        "Only members of a local social partnership in the directory can raise an issue. Ask an admin to "
        "add you to your partnership. {nothing_changed}"
    ),
    "issue.none": "There is no issue #{id}. {nothing_changed}",
    "issue.already": "Already done: {who} {what} on {when}. {nothing_changed} Issue #{id} is now {stage}.",
    "issue.cannot_now": "That can't be done now: issue #{id} is {stage}. {nothing_changed}",
    "issue.escalate.not_tried": (
        "Not yet: an issue is escalated only once options are exhausted at its level. Log at least one "
        "attempt at {level} level that did not resolve it (Log attempt: what was tried, when, the outcome), "
        "then escalate it saying why the options are exhausted. {nothing_changed}"
    ),
    "issue.note.not_below": (
        "A note travels with an escalation from the level below; at this level, log an attempt instead. "
        "{nothing_changed}"
    ),
    "issue.remit.inside": "This issue's area is already in the partnership's remit. {nothing_changed}",
    "issue.choose_partnership": "Choose the partnership.",
    "issue.name_other_area": "Name the area, since it is not in the remit.",
    "issue.give_resolution": "Say what was agreed.",
    "issue.give_exhausted": "Say why the options for resolution at this level are exhausted.",
    "issue.give_note": "Write your note.",
    "issue.erased_title": "issue #{id}",
    "issue.headline": "Issue #{id}: {title}",
    "issue.headline.erased": "Issue #{id} (closed as casework)",
    "partnership.none": "There is no such partnership. {nothing_changed}",
    "partnership.only_members": "Only members of the {partnership} partnership can do that. {nothing_changed}",
    "partnership.cannot_now": "That can't be done for the {partnership} partnership now. {nothing_changed}",
    # ------------------------------------------------------------------ screening and raising
    "form.screen.title": "Raise an issue",
    "form.screen.heading": "Raise an issue with the local social partnership",
    "form.screen.submit": "Next",
    "form.screen.question": (
        "Is this about one person's (or a few named people's) contract, pay, discipline, grievance, "
        "capability or sickness?"
    ),
    "form.screen.yes": "Yes: it is about named people",
    "form.screen.no": "No: it affects a group of staff",
    "form.screen.note": (
        "The partnership resolves issues that arise from implementing the National Agreement (and, in "
        "England, performance management), at as local a level as possible. It does not deal with "
        "individual contractual disputes: each union and professional association handles its own casework."
    ),
    "form.screen.concern": "A concern about {employer}, a member of the Valued Worker Scheme.",
    "screen.answer": "Answer the question first.",
    "screen.casework": (
        "That is individual casework, which stays with each union or professional association, outside "
        "the partnership: take it to the member's own union (for NASUWT members, their workplace rep or "
        "Local Association Secretary; for GMB, UNISON and Unite members, their branch). Nothing has been "
        "recorded, and nobody else has been told."
    ),
    "form.issue.title": "Raise an issue",
    "form.issue.heading": "An issue for the partnership",
    "form.issue.submit": "Raise it",
    "form.issue.note": (
        "Describe a group affected, never named people. It is posted in the partnership's private space, "
        "where every member can log what is tried."
    ),
    "form.issue.concern": (
        "A concern about {employer}: where an employer in the scheme acts outwith an agreed policy, it is "
        "discussed through the normal consultation and negotiation machinery first; revocation is the last step."
    ),
    "field.partnership": "Partnership",
    "field.issue_title": "Title",
    "field.issue_title.placeholder": "e.g. Cover supervision beyond the agreed limit",
    "field.description": "What is happening",
    "field.description.hint": "What, where and since when; what the National Agreement or the agreed policy says.",
    "field.group_affected": "The group affected",
    "field.group_affected.hint": "A group, like 'teaching assistants in primary schools': not names.",
    "field.remit_area": "The remit area",
    "field.remit_area.other": "Something else (outside the remit)",
    "field.other_area": "If something else: which area",
    "field.other_area.hint": "It can be added to the remit at the next review.",
    "issue.raised": (
        "Issue #{id} is raised in the {partnership} partnership's private space. Log what is tried there; it "
        "can be escalated once options at local level are exhausted."
    ),
    "concern.raised": (
        "Your concern about {employer} is issue #{id} in the {partnership} partnership: it runs on the same "
        "ladder, and the revocation form will show it and what was tried."
    ),
    "concern.only_reps": (
        "Only the reps, the Local Association Secretary or the NEM of {area} can raise a concern about "
        "{employer}. {nothing_changed}"
    ),
    "concern.not_member": "{employer} is not a member of the scheme just now. {nothing_changed}",
    "concern.no_partnership": (
        "No local social partnership in the directory covers {area} yet, so there is no ladder to raise "
        "it on. Ask an admin to add one. {nothing_changed}"
    ),
    "concern.which": "Which employer in the scheme? Try /vws concern and its name. Matches: {names}.",
    "concern.nem.headline": "Concern raised about {employer}",
    "concern.nem.body": "{who} raised a concern about {employer} with the {partnership} partnership.",
    "concern.nem.next": "For your information: it is worked on the partnership's ladder first; revocation is the last step.",
    # ------------------------------------------------------------------ the card
    "issue.card.raised": "Raised by {who} on {when}.",
    "issue.card.now": "Now: {stage}.",
    "issue.next.local": (
        "Any member: log what is tried. Resolved when it is; escalate when the options here are exhausted "
        "(no one's consent needed)."
    ),
    "issue.next.regional_asked": "The regional contacts have been asked to acknowledge it. You may add a note that goes with it.",
    "issue.next.regional": "It is at the regional level. You may add a note that goes with it.",
    "issue.next.national_asked": "The national contacts have been asked to acknowledge it.",
    "issue.next.national": "It is at the national level.",
    "issue.next.confirming": "A local member: confirm it is resolved, or say it is not.",
    "issue.next.resolved": "Nothing more to do.",
    "issue.next.casework": "Nothing more to do here: casework stays with each union.",
    "issue.next.withdrawn": "Nothing more to do.",
    "issue.level.body": "From the {partnership} local social partnership ({level} level now). Now: {stage}.",
    "issue.level.next.local": "It is back with the partnership.",
    "issue.level.next.regional_asked": "Acknowledge it, or refer it back with your reasons.",
    "issue.level.next.regional": (
        "Log what is tried, resolve it (the partnership confirms), refer it back, or escalate it to the "
        "national level once the options here are exhausted."
    ),
    "issue.level.next.national_asked": "Acknowledge it, or refer it back with your reasons.",
    "issue.level.next.national": "Log what is tried, resolve it (the partnership confirms), or refer it back.",
    "issue.level.next.confirming": "The resolution has been posted down; a local member confirms it.",
    "issue.level.next.resolved": "Nothing more to do.",
    "issue.level.next.casework": "Nothing more to do.",
    "issue.level.next.withdrawn": "Nothing more to do.",
    "fact.partnership": "Partnership",
    "fact.what_is_happening": "What is happening",
    "fact.group_affected": "Group affected",
    "fact.remit_area": "Remit area",
    "fact.scheme_member": "Employer in the scheme",
    "fact.levels": "Levels",
    "fact.attempts": "Attempts",
    "fact.tried": "What was tried",
    "fact.outcome": "Outcome",
    "fact.result": "Did it resolve it?",
    "fact.why_exhausted": "Why the options are exhausted",
    "fact.note": "Note",
    "fact.resolution": "What was agreed",
    "fact.agenda": "Open local issues",
    "fact.took_part": "Took part",
    "fact.next_review": "Next review",
    "fact.proposed_areas": "Asked to be added",
    "summary.erased": "(erased)",
    "summary.outside_remit": "{area} (outside the remit)",
    "summary.level.now": ("{level}: since {since} ({n} day)", "{level}: since {since} ({n} days)"),
    "summary.level.was": ("{level}: {since} to {until} ({n} day)", "{level}: {since} to {until} ({n} days)"),
    "summary.attempt": "{n}. {on}, {level}, {who}: {tried}. Outcome: {outcome} ({result})",
    "attempt.result.not_resolved": "not resolved",
    "attempt.result.partly": "partly resolved",
    "note.exhausted": "Why the options were exhausted at {level} level",
    "note.note": "A note on the escalation ({level})",
    "note.refer_back": "Referred back from the {level} level",
    "note.resolution": "Agreed at {level} level",
    "note.reopen": "Not resolved (said at {level} level)",
    # ------------------------------------------------------------------ attempts, escalation, notes
    "form.attempt.title": "Log an attempt",
    "form.attempt.heading": "{title}: what was tried ({level} level)",
    "form.attempt.submit": "Log it",
    "form.attempt.note": "If it resolved the issue, close this and click Resolved instead.",
    "field.tried": "What was tried",
    "field.tried.hint": "e.g. Raised at the JCC; met the head teacher and the LA adviser.",
    "field.tried_on": "When",
    "field.outcome_of_attempt": "The outcome",
    "field.result": "Did it resolve the issue?",
    "attempt.not_future": "The date of an attempt can't be in the future.",
    "attempt.posted.headline": "Attempt logged on issue #{id} ({level} level)",
    "attempt.posted.body": "{who} logged what was tried on {on}.",
    "attempt.reply": "Logged on issue #{id} ({level} level).",
    "form.escalate.title": "Escalate",
    "form.escalate.heading": "{title}: escalate to the {up} level",
    "form.escalate.submit": "Escalate",
    "form.escalate.field": "Why the options for resolution here are exhausted",
    "form.escalate.hint": "This goes with the issue, with every attempt logged so far.",
    "form.escalate.note": (
        "Any party may escalate, without anyone's consent: the others are told at once and may add a note. "
        "It goes to the {up} level's contacts."
    ),
    "escalated.headline": "Issue #{id} escalated to the {level} level",
    "escalated.body": "{who} ({side}) escalated it to the {level} level.",
    "escalated.others": "You may add a note that goes with it.",
    "escalated.lead": "{who} escalated this issue to the {level} level: it now needs your acknowledgement.",
    "escalated.reply": "Escalated issue #{id} to the {level} level: its contacts have been asked to acknowledge it, and the others told.",
    "escalated.reply.nobody": (
        "Escalated issue #{id} to the {level} level, but the directory has no contact there to tell: ask an admin."
    ),
    "form.note.title": "Add a note",
    "form.note.heading": "{title}: a note on the escalation",
    "form.note.submit": "Add the note",
    "form.note.field": "Your note",
    "form.note.hint": "It travels with the issue and is seen at every level.",
    "form.note.note": "Everyone working on the issue sees it.",
    "note.posted.headline": "A note on issue #{id}",
    "note.posted.body": "{who} added a note; it goes with the issue at the {level} level.",
    "note.reply": "Your note goes with issue #{id} at the {level} level.",
    "acknowledged.headline": "Issue #{id} acknowledged at the {level} level",
    "acknowledged.body": "{who} acknowledged it at the {level} level.",
    "acknowledged.lead": "Acknowledged by {who}.",
    "acknowledged.reply": "Acknowledged: issue #{id} is yours to work on.",
    "form.refer_back.title": "Refer back",
    "form.refer_back.heading": "{title}: refer it back to the {down} level",
    "form.refer_back.submit": "Refer back",
    "form.refer_back.field": "Reasons",
    "form.refer_back.hint": "What could still be tried at that level.",
    "form.refer_back.note": "Escalating it again will need a new attempt at the {down} level.",
    "referred.headline": "Issue #{id} referred back to the {level} level",
    "referred.body": "{who} referred it back from the {level} level.",
    "referred.again": "Escalating it again needs a new attempt at the {level} level first.",
    "referred.lead": "{who} referred it back from the {level} level.",
    "referred.reply": "Referred issue #{id} back to the {level} level, with your reasons.",
    # ------------------------------------------------------------------ resolution and closing
    "form.resolution.title": "Resolved",
    "form.resolution.heading": "{title}: what was agreed",
    "form.resolution.submit": "Record it",
    "form.resolution.field": "What was agreed",
    "form.resolution.hint": "What will happen, and who does it.",
    "form.resolution.note": "Above local level, the resolution is posted down for a local member to confirm.",
    "resolved.headline": "Issue #{id} resolved",
    "resolved.body": "{who} recorded it resolved at local level.",
    "resolved.reply": "Issue #{id} is resolved and closed.",
    "posted_down.headline": "Issue #{id}: resolved at the {level} level",
    "posted_down.body": "{who} recorded what was agreed at the {level} level.",
    "posted_down.confirm": (
        "A local member: Confirm resolved, or Not resolved. If nobody answers, it closes on {when} "
        "(10 working days), recorded as closed without a local confirmation."
    ),
    "posted_down.lead": "{who} resolved it; the partnership has been asked to confirm.",
    "posted_down.reply": "Recorded: the resolution of issue #{id} has been posted down for the partnership to confirm.",
    "confirmed.headline": "Issue #{id}: the partnership confirms it is resolved",
    "confirmed.body": "{who} confirmed the resolution agreed at the {level} level. It is closed.",
    "confirmed.reply": "Confirmed: issue #{id} is resolved and closed.",
    "form.reopen.title": "Not resolved",
    "form.reopen.heading": "{title}: why it is not resolved",
    "form.reopen.submit": "Send it back",
    "form.reopen.field": "Reasons",
    "form.reopen.hint": "What is still happening.",
    "form.reopen.note": "It goes back to the level that resolved it.",
    "reopened.headline": "Issue #{id}: not resolved, back to the {level} level",
    "reopened.body": "{who} said the resolution does not resolve it; it is back at the {level} level.",
    "reopened.lead": "{who}, for the partnership, says it is not resolved.",
    "reopened.reply": "Issue #{id} is back at the {level} level, with your reasons.",
    "auto_closed.headline": "Issue #{id} closed without a local confirmation",
    "auto_closed.body": (
        "No local member confirmed the resolution agreed at the {level} level within 10 working days, so it is "
        "closed and recorded as closed without confirmation."
    ),
    "form.casework.title": "This is casework",
    "form.casework.heading": "{title}: this is individual casework",
    "form.casework.submit": "Close and erase",
    "form.casework.note": (
        "Individual contractual disputes stay outside the partnership. This closes the issue at any level "
        "and erases what was said about it (the title, what is happening, the attempts and notes), here and "
        "in the bot's messages. The history keeps only that it was closed as casework."
    ),
    "casework.reply": (
        "Issue #{id} is closed as casework and its details are erased. Casework goes to the member's own union."
    ),
    "casework.erased": "Issue #{id} was closed as individual casework; what was said about it has been erased.",
    "casework.headline": "Issue #{id} closed as casework",
    "casework.body": "{who} closed it as individual casework; its details have been erased.",
    "withdrawn_issue.headline": "Issue #{id} withdrawn",
    "withdrawn_issue.body": "{who} withdrew it.",
    "withdrawn_issue.reply": "Issue #{id} is withdrawn.",
    "remit_proposed.headline": "Issue #{id}: an area for the remit",
    "remit_proposed.body": "{who} asked for {area} to be added to the remit at its next review ({when}).",
    "remit_proposed.reply": "{area} goes to the next review of the remit ({when}).",
    # ------------------------------------------------------------------ remit and protocol
    "protocol.theme.focus_participation": "Focus and participation",
    "protocol.theme.ways_of_working": "Ways of working",
    "protocol.theme.communication_dissemination": "Communication and dissemination",
    "protocol.theme.processes": "Processes",
    "protocol.hint.focus_participation": "Who takes part (support staff unions included) and what the partnership focuses on.",
    "protocol.hint.ways_of_working": "Meetings, culture, how decisions are made.",
    "protocol.hint.communication_dissemination": "How what is agreed reaches schools, the local authority and members.",
    "protocol.hint.processes": "How issues are raised and resolved, and when they are escalated.",
    "form.remit.title": "Review the remit",
    "form.remit.heading": "The {partnership} partnership's remit, reviewed in its entirety",
    "form.remit.submit": "Record the review",
    "form.remit.note": (
        "Agreed locally with all relevant stakeholders, prioritising the issues to engage with; WAMG's minimum "
        "remit is a starting point, not a script."
    ),
    "form.remit.proposed": "Asked to be added since the last review: {areas}.",
    "field.remit": "The remit's areas, one a line",
    "field.remit.hint": "Issues are raised against these areas.",
    "form.protocol.title": "Review the protocol",
    "form.protocol.heading": "The {partnership} partnership's protocol",
    "form.protocol.submit": "Record the review",
    "form.protocol.note": "WAMG's model protocol covers four themes; write what your partnership agrees for each.",
    "field.took_part": "Who took part in the review",
    "field.took_part.hint": "Every side that took part.",
    "field.next_review": "Next review",
    "field.next_review.hint": "Leave empty for the partnership's usual interval (a year unless it set otherwise).",
    "review.unknown_parties": "Choose among the sides that sit on the partnership: {parties}.",
    "review.next_future": "The next review must be in the future.",
    "review.reply": "Recorded: the {partnership} partnership's {kind}, version {version}. Next review {next_review}.",
    "review.posted.headline": "{kind} reviewed: {partnership} (version {version})",
    "review.posted.body": "{who} recorded the review of the {kind} (version {version}).",
    "review.posted.absent": "Not at this review: {parties}.",
    # ------------------------------------------------------------------ status
    "status.partnership.heading": "Local social partnership: {partnership}",
    "status.raise.title": "Raise an issue",
    "status.raise": "Raise an issue",
    "status.next_meeting": "next meeting {when}",
    "status.raised.heading": "Issues you raised",
    "status.regional.heading": "Issues at the regional level ({areas})",
    "status.national.heading": "Issues at the national level ({areas})",
    "status.national.counts": "Open issues, all levels",
    "status.national.counts.line": "{local} local, {regional} regional, {national} national. /vws issues for the counts by theme and region.",
    "status.days_at": ("{n} day at {level}", "{n} days at {level}"),
    "status.concerns.heading": "Employers in the scheme: concerns",
    "status.concern": "Raise a concern",
    "status.concern.detail": "acting outwith an agreed policy? Raise it with the partnership first",
    # ------------------------------------------------------------------ reports
    "report.title": "{partnership} local social partnership ({la}; {region}, {nation})",
    "report.members": "Members: {members}",
    "report.every": ("every {n} week", "every {n} weeks"),
    "report.no_cadence": "no cadence set",
    "report.meetings": "Meetings: {cadence}; next {next}",
    "report.doc": "{kind}, version {version} (agreed {agreed}; took part: {took}; next review {review}):",
    "report.not_reviewed": "WAMG's starting point, not yet reviewed locally",
    "report.open": ("Open issues: {n}", "Open issues: {n}"),
    "report.history": "History:",
    "report.which": "Which partnership? {names}",
    "report.which.mine": "Which of your partnerships? {names}",
    "report.outside_remit": "outside the remit",
    "report.no_issues": "No issues yet.",
    "report.counts.head": "Issues by theme, region and level (counts only):",
    "report.counts.row": "• {theme} | {region} | {level}: {n} (open there now: {open}; median {days})",
    "report.days": ("{days} day", "{days} days"),
    "report.medians": "Median days at each level: {medians}",
    "issues.only_national": "Only the national contacts see the national counts. Your status shows your issues.",
    "revoke.linked": (
        "Issue #{id} about {employer} on the {partnership} partnership's ladder: {title}; now {stage}. "
        "What was tried: {tried}"
    ),
    "revoke.no_linked": (
        "No concern about {employer} has been raised with its local social partnership. An employer acting "
        "outwith an agreed policy is first discussed through the normal consultation and negotiation "
        "machinery; revocation is the last step."
    ),
    "revoke.nothing_tried": "nothing logged yet",
    # ------------------------------------------------------------------ reminders
    "remind.idle.first": (
        "{n} working day",
        "{n} working days",
    ),
    "remind.idle.weeks": ("{n} more week", "{n} more weeks"),
    "remind.idle.headline": "Issue #{id} has had nothing done for {when}: {title}",
    "remind.idle.body": "Nothing has been logged on it at the {level} level for {when}.",
    "remind.idle.next": "Log what is being tried, resolve it, or escalate it if the options here are exhausted.",
    "remind.ack.headline": "Waiting for the {level} level to acknowledge issue #{id}: {title}",
    "remind.ack.body": (
        "It was escalated to the {level} level {n} working day ago and is not yet acknowledged.",
        "It was escalated to the {level} level {n} working days ago and is not yet acknowledged.",
    ),
    "remind.ack.deputy": (
        "It was escalated to the {level} level {n} working day ago and is not yet acknowledged. As a "
        "deputy, you can acknowledge it.",
        "It was escalated to the {level} level {n} working days ago and is not yet acknowledged. As a "
        "deputy, you can acknowledge it.",
    ),
    "remind.ack.space": (
        "Still not acknowledged at the {level} level after {n} working day: the deputies have been asked.",
        "Still not acknowledged at the {level} level after {n} working days: the deputies have been asked.",
    ),
    "remind.ack.next": "Acknowledge it, or refer it back with your reasons.",
    "remind.meeting.headline": "{partnership} partnership meets on {when}",
    "remind.meeting.body": ("{n} open local issue for the agenda.", "{n} open local issues for the agenda."),
    "remind.meeting.none": "none",
    "remind.meeting.next": "Bring them to the meeting; raise anything else before it.",
    "remind.review.today": "today",
    "remind.review.overdue": "due since {on}",
    "remind.review.in": ("in {n} day", "in {n} days"),
    "remind.review.headline": "{kind} review for the {partnership} partnership: {when}",
    "remind.review.body": "The {kind} is due for review, in its entirety, on {on}.",
    "remind.review.themes": "the four themes of the protocol",
    "remind.review.next": "At the review, record the agreed text and who took part.",
    "snooze.about.issue": "issue #{id}",
    "snooze.about.meeting": "the {partnership} partnership's meeting",
    "snooze.about.lsp_review": "the {kind} review of the {partnership} partnership",
    # ------------------------------------------------------------------ commands
    "command.issue": "raise an issue with your local social partnership",
    "command.concern": "raise a concern about an employer in the scheme (name it)",
    "command.partnership": "your partnership's remit, protocol, open issues and history",
    "command.issues": "the national counts of issues (national contacts; 'issues csv' for CSV)",
    "command.remit": "record a review of your partnership's remit",
    "command.protocol": "record a review of your partnership's protocol",
}
