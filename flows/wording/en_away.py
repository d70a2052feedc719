"""English: absence and delegation (issue 14, part 7), and decisions recorded for someone (part 8)."""

from __future__ import annotations

MESSAGES: dict[str, str | tuple[str, str]] = {
    # ------------------------------------------------------------------ /vws away
    "command.away": "say you're away, from and until when, and who acts for you (`away off` when you're back early)",
    "away.form.title": "Away",
    "away.form.heading": "Say you're away",
    "away.form.submit": "Save",
    "away.form.intro": (
        "While you're away, approval requests and reminders that would come to you go straight to the person you "
        "choose, and what they decide is recorded as decided for you. It ends by itself after the last day."
    ),
    "away.form.current": "You're down as away until {until}, with your requests going to {delegate}. Saving replaces that; `/vws away off` ends it now.",
    "field.away_from": "From",
    "field.away_until": "Until (your last day away)",
    "field.away_delegate": "Who acts for you",
    "field.away_delegate.hint": "People who may act in your role: your Secretary or deputy, another National Executive Member, another rep of your union here, another member for your side of the partnership, or another escalation contact for your region or nation.",
    "away.only_who": (
        "Only a Local Association Secretary (or deputy), a National Executive Member, a partner union's rep, a "
        "union's branch rep on the Best Value Code, a member of a local social partnership or an escalation contact "
        "can hand their decisions to someone while away: a rep's own proposals simply wait for them. {nothing_changed}"
    ),
    "away.nobody_to_stand_in": (
        "There's nobody in the directory who may act in your role, so there's no one to send your requests to. "
        "Ask your administrator to add a deputy. {nothing_changed}"
    ),
    "away.give_until": "Give your last day away.",
    "away.until_before_start": "The last day away can't be before the first.",
    "away.until_past": "That day has passed: give your last day away, today or later.",
    "away.start_past": "Start today or later.",
    "away.choose_delegate": "Choose someone who may act for you in your role: {names}.",
    "away.loop": "{delegate} is away then too and sends their requests to you: choose someone else.",
    "away.too_long": "{delegate} is away then too, and their requests already pass through several people: choose someone who is here.",
    "away.fix": "{problem} {nothing_changed}",
    "away.done": (
        "You're away from {starts_on} to {until_on}. Until then, requests that would come to you go to {delegate}, "
        "who has been told. Type `/vws away off` if you're back early."
    ),
    "away.forwarded": ("{n} request waiting for you has gone to {delegate} now.", "{n} requests waiting for you have gone to {delegate} now."),
    "away.to_delegate.headline": "{person} is away until {until_on}: their requests come to you",
    "away.to_delegate.body": (
        "{person} is away from {starts_on} to {until_on} and has chosen you to act for them. Their approval "
        "requests and reminders come to you until then, and what you decide is recorded as decided for them."
    ),
    "away.to_delegate.next": "Nothing to do now: their requests will come to you here.",
    "away.off.done": "Welcome back. Requests come to you again from now on; {delegate} has been told.",
    "away.off.not_away": "You're not down as away, so there's nothing to end. {nothing_changed}",
    "away.back.headline": "{person} is back: their requests go to them again",
    "away.back.body": "{person} ended their absence early. Requests for them go to them again from now on.",
    # ------------------------------------------------------------------ where a request went
    "away.sent_to": "{absent} is away until {until}; sent to {delegate}.",
    "away.acting_for": "You're acting for {absent}, who is away until {until}.",
    "away.copy_for": "For {absent}, who is away until {until} and has asked you to act for them: for your information.",
    "audit.for": "{actor} for {absent}",
    "audit.recorded_for": "recorded by {actor} for {absent}: {how}",
    # ------------------------------------------------------------------ recorded for someone (part 8)
    "command.record": "record a decision taken by phone or in a meeting, for the person it belongs to",
    "recorded.form.title": "Record a decision",
    "recorded.form.heading": "Record a decision taken by phone or in a meeting",
    "recorded.form.submit": "Record it",
    "recorded.form.intro": (
        "Record a decision someone took by phone or in a meeting, for them. The audit shows that you recorded it "
        "for them and how it was taken; they are told at once and can undo it within {days} working days."
    ),
    "recorded.field.decision": "The decision",
    "recorded.field.how": "How it was taken",
    "recorded.field.how.hint": "For example: by phone on 23 Nov, or at the association's meeting on 20 Nov.",
    "recorded.field.reasons": "Their reasons (needed for a rejection)",
    "recorded.option.secretary_approve": "{person} approves (as Local Association Secretary)",
    "recorded.option.secretary_reject": "{person} rejects (as Local Association Secretary)",
    "recorded.option.nem_approve": "{person} approves (as National Executive Member)",
    "recorded.option.nem_reject": "{person} rejects (as National Executive Member)",
    "recorded.option.partner_agree": "{union} agrees ({person}, for the union)",
    "recorded.option.partner_disagree": "{union} disagrees ({person}, for the union)",
    "recorded.holder.partner_rep": "its rep",
    "recorded.verdict.secretary_approve": "Approved",
    "recorded.verdict.secretary_reject": "Rejected",
    "recorded.verdict.nem_approve": "Approved",
    "recorded.verdict.nem_reject": "Rejected",
    "recorded.verdict.partner_agree": "{union} agrees",
    "recorded.verdict.partner_disagree": "{union} disagrees",
    "recorded.instead.partner_agree": "If it was wrong, the Secretary or proposer can withdraw the proposal.",
    "recorded.instead.partner_disagree": "If it was wrong, the proposer can revise and resubmit it.",
    "recorded.undone.union": "{union} can answer again here: agree or disagree.",
    "recorded.holder.secretary": "The Secretary",
    "recorded.holder.nem": "The NEM",
    "recorded.only_who": (
        "Only the Local Association Secretary (or deputy) or the National Executive Member can record a decision "
        "for someone on {employer}, and only while it waits for the Secretary, the NEM or a partner union. {nothing_changed}"
    ),
    "recorded.nothing": (
        "There's no decision on {employer} you can record for someone just now: it isn't waiting for the Secretary, "
        "the NEM or a partner union, or the decision is yours to take (use the buttons)."
    ),
    "recorded.nothing_anywhere": (
        "There's no decision waiting that you can record for someone: the Secretary records the NEM's or a partner "
        "union's, the NEM the Secretary's or a partner union's, while a proposal waits for it."
    ),
    "recorded.no_match": "No employer waiting for a decision you can record matches \u201c{typed}\u201d.",
    "recorded.choose_decision": "Choose the decision that was taken.",
    "recorded.give_how": "Say how it was taken (by phone on ..., at the meeting of ...).",
    "recorded.fix": "{problem} {nothing_changed}",
    "recorded.reply": "Recorded for {person} ({title}), on {employer}: {verdict}. They have been told and can undo it.",
    "recorded.fact.how": "How it was taken",
    "recorded.note": "Recorded by {recorder} for {person}: {how}.",
    "recorded.told.headline": "{recorder} recorded your decision on {employer}: {verdict}",
    "recorded.told.body": (
        "{recorder} recorded this for you, as {title}, for {employer}: {verdict}. If that is not what you decided, undo it."
    ),
    "recorded.told.next": "Nothing to do if it is right. Undo it by {until} if it is not.",
    "recorded.undo.not_yours": "Only the person it was recorded for (or who recorded it) can undo it. {nothing_changed}",
    "recorded.undo.too_late": (
        "It's too late to undo this: it was recorded on {when} and could be undone until {until}. It stands as "
        "{what}. {instead} {nothing_changed}"
    ),
    "recorded.undo.moved_on": (
        "It can't be undone now: the case has moved on since it was recorded (it is {stage}), so it stands as {what}. "
        "{instead} {nothing_changed}"
    ),
    "recorded.instead.secretary_approve": "If it was wrong, the NEM can reject it, or the Secretary or proposer can withdraw it.",
    "recorded.instead.secretary_reject": "If it was wrong, the proposer can revise and resubmit it.",
    "recorded.instead.nem_approve": "If it was wrong, a partner union can disagree, or the Secretary or proposer can withdraw it.",
    "recorded.instead.nem_reject": "If it was wrong, the proposer can revise and resubmit it.",
    "recorded.undone.headline": "Undone: {what}, for {employer}",
    "recorded.undone.body": (
        "{who} undid what {recorder} recorded for {person} on {when} ({what}). {employer} is back to {stage}."
    ),
    "recorded.undone.partners": "Nothing to do for now: the proposal waits for the NEM's decision again.",
    "recorded.undone.reply": "Undone: {what}. {employer} is back to {stage}, and everyone concerned has been told.",
}
