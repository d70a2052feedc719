"""English: the sign-up journey and its reminders. Message id -> message (see flows.wording)."""

from __future__ import annotations

MESSAGES: dict[str, str | tuple[str, str]] = {
    # ------------------------------------------------------------------ stages
    "stage.awaiting_secretary": "waiting for the Local Association Secretary",
    "stage.awaiting_nem": "waiting for the National Executive Member",
    "stage.rejected": "rejected, can be revised and resubmitted",
    "stage.partner_consultation": "with GMB, UNISON and Unite",
    "stage.partners_agreed": "partner unions agreed; route to the employer to choose",
    "stage.route_agreed": "route agreed; scheme to be introduced to the employer",
    "stage.employer_introduced": "introduced to the employer; action plan to agree",
    "stage.joined": "in the scheme",
    "stage.review_due": "in the scheme, review due",
    "stage.objective_met": "objective met; next cycle's plan to agree",
    "stage.not_met": "objective not met; new plan to agree",
    "stage.revoked": "revoked",
    "stage.withdrawn": "withdrawn",
    # ------------------------------------------------------------------ who may act
    "role.rep": "an NASUWT rep in {area}",
    "role.proposer": "the rep who proposed it",
    "role.secretary": "the Local Association Secretary for {area} (or their deputy)",
    "role.nem": "the National Executive Member for {area}",
    "role.partner_rep": "a GMB, UNISON or Unite rep in {area}",
    "role.national_officer": "a national officer",
    "role.action_owner": "the action's owner",
    "role.bot": "the bot",
    "role_title.secretary": "Local Association Secretary",
    "role_title.nem": "National Executive Member",
    "role_title.partner": "{union} rep",
    "only_who": "Only {names} can do that for {employer}.",
    "only_who.to": "Only {names} can {doing}.{ask}",
    "ask": " Ask {people}.",
    "or": " or ",
    "an_employer": "an employer",
    # what each row does, as a person asks to do it (for refusals that say who can)
    "doing.propose": "propose {employer}",
    "doing.secretary_approve": "approve the proposal for {employer} as Local Association Secretary",
    "doing.secretary_reject": "reject the proposal for {employer} as Local Association Secretary",
    "doing.nem_approve": "approve the proposal for {employer} as National Executive Member",
    "doing.nem_reject": "reject the proposal for {employer} as National Executive Member",
    "doing.resubmit": "revise and resubmit the proposal for {employer}",
    "doing.partner_agree": "agree on {employer} for a partner union",
    "doing.partner_disagree": "disagree on {employer} for a partner union",
    "doing.choose_route": "choose the route to {employer}",
    "doing.introduce": "record that the scheme was introduced to {employer}",
    "doing.agree_plan": "record an action plan for {employer}",
    "doing.workplan_done": "mark a workplan action of {employer} done",
    "doing.added_to_list": "record that {employer} is on the national list",
    "doing.logo_sent": "record that the logo was sent to {employer}",
    "doing.review_falls_due": "make the review of {employer} due",
    "doing.objective_met": "record the review of {employer}",
    "doing.not_met": "record the review of {employer}",
    "doing.not_met_extend": "record the review of {employer}",
    "doing.not_met_new_plan": "record the review of {employer}",
    "doing.revoke": "revoke the membership of {employer}",
    "doing.taken_off_list": "record that {employer} is off the national list",
    "doing.withdraw": "withdraw the proposal for {employer}",
    "cannot_now.doing": "You can't {doing} now: it is {stage}.",
    "finished.revoked": "{employer} was revoked by {who} on {when}{why}.",
    "finished.withdrawn": "{employer} was withdrawn by {who} on {when}{why}.",
    "finished.why": ", for this reason: \u201c{reasons}\u201d",
    "finished.again": (
        "Its case is closed, so nothing more can be done on it. To bring it back into the scheme, a rep can "
        "propose it again with /vws propose: the Secretary and the NEM will see this history."
    ),
    "no_match": "No employer matches \u201c{typed}\u201d.",
    "no_match.choices": " You can {doing}.",
    "no_match.try": " Type part of its name or its number (e.g. #12), or see /vws status for your cases.",
    "nothing_to": "Nothing waits for you to {doing} just now. Your status shows what is waiting for you.",
    "their_area": "the employer's local association",
    # ------------------------------------------------------------------ asked before a click counts
    "confirm.no": "Cancel",
    "confirm.named": "{name} ({role})",
    "confirm.proposer": "the rep who proposed it",
    "confirm.secretary": "the Local Association Secretary",
    "confirm.nem": "the National Executive Member",
    "confirm.partner_channel": "the partner unions, in their channel",
    "confirm.nobody": "nobody else",
    "confirm.withdraw.title": "Withdraw the proposal?",
    "confirm.withdraw.text": (
        "The proposal for {employer} stops here for good: it cannot be taken back, only proposed again "
        "later. {told} will be told (apart from you)."
    ),
    "confirm.withdraw.yes": "Withdraw it",
    "field.confirm_early": "Before the review date?",
    "field.confirm_early.yes": "Yes: record it now, before the review is due",
    "field.confirm_early.hint": "Only needed when the review is not due yet.",
    "review.early": (
        "The review is not due until {review_on}. If the objective is met already, tick the box to record it now."
    ),
    "review.early.reply": "{problem} Nothing has been recorded yet.",
    "field.confirm_revoke": "Are you sure?",
    "field.confirm_revoke.yes": "Yes: revoke it",
    "field.confirm_revoke.hint": (
        "The employer leaves the scheme and the national list; the national union, the NEM, "
        "the Local Association Secretary, the rep who proposed it and the partner unions will be told."
    ),
    "field.confirm_revoke.needed": "Tick the box to confirm: revoking cannot be undone.",
    # ------------------------------------------------------------------ refusals
    "not_in_directory": (
        "You're not in the VWS directory yet, so the bot can't act for you. "
        "Ask your Local Association Secretary to add you. {nothing_changed}"
    ),
    "no_such_employer": "There is no employer #{id} in the scheme. {nothing_changed}",
    "stale_revision": (
        "That request was about an earlier version of the proposal for {employer}; it has been revised "
        "since (version {revision}) and is now {stage}. {nothing_changed}"
    ),
    "stale_cycle": (
        "That button was about cycle {old} of the action plan for {employer}; {employer} is now on cycle {cycle} "
        "({stage}). {nothing_changed}"
    ),
    "already_decided": "Already decided: {who} {what} on {when}. {nothing_changed} {employer} is now {stage}.",
    "cannot_now": "That can't be done now: {employer} is {stage}. {nothing_changed}",
    "give_reasons_reply": "Please give your reasons.",
    "give_reasons": "Give your reasons.",
    "give_review_date": "Give the new review date.",
    "review_date_future": "The new review date must be in the future.",
    "route_unknown": "Route {route} is not one of: jcc, joint_letter. {nothing_changed}",
    "choose_route": "Choose a JCC agenda item or a joint letter.",
    "choose_outcome": "Choose the outcome of the review.",
    "choose_employer": "Choose the employer.",
    "fix_these": "Some answers need fixing: {problems}",
    "nobody_in_directory": "(nobody in the directory)",
    "none_yet": "none yet",
    "button_stale": "That button is no longer in use. Your status shows what is waiting for you.",
    "field.too_long": "Too long: this has {got} characters, and the limit here is {n}. Nothing was recorded.",
    "field.too_long.reply": "Some answers are too long: each says its limit. Nothing was recorded.",
    "message.too_long": "That message is too long for the bot to read: the limit, in characters, is {n}. Nothing was recorded.",
    "field.unreadable": "This answer could not be read. Please fill it in again.",
    "request_unreadable": "That could not be read, so nothing was done. Your status shows what is waiting for you.",
    # ------------------------------------------------------------------ facts
    "fact.employer": "Employer",
    "fact.kind": "Kind",
    "fact.association": "Local association",
    "fact.origin": "Who started it",
    "fact.case_for": "Why this employer",
    "fact.to_employer": "To tell the employer",
    "resubmit.empty": "(nothing)",
    "fact.why_rejected": "Why it was rejected",
    "fact.history": "Proposed before",
    "history.secretary_reject": "Rejected on {when} by {who} (Local Association Secretary)",
    "history.nem_reject": "Rejected on {when} by {who} (National Executive Member)",
    "history.partner_disagree": "A partner union disagreed on {when} ({who})",
    "history.withdraw": "Withdrawn on {when} by {who}",
    "history.agree_plan": "Joined the scheme on {when} (action plan recorded by {who})",
    "history.revoke": "Revoked on {when} by {who}",
    "history.reasons": ": {reasons}",
    "fact.reasons": "Reasons",
    "fact.principle": "Principle",
    "fact.objectives": "Objectives",
    "fact.activities": "Activities",
    "fact.success_criteria": "Success criteria",
    "fact.review_date": "Review date",
    "fact.why_last_failed": "Why the last plan did not succeed",
    "fact.workplan": "Workplan",
    # ------------------------------------------------------------------ proposal
    "propose.only_reps": (
        "Only NASUWT workplace reps in the directory can propose an employer. "
        "Ask your Local Association Secretary to add you."
    ),
    "propose.no_association": "There is no local association called {association}. {nothing_changed}",
    "propose.no_association.field": "Not a local association in the directory. Choose one of: {names}.",
    "propose.not_a_rep": (
        "Only an NASUWT rep in {area} can propose an employer there. If you are one, ask your Local "
        "Association Secretary to add you to the directory. {nothing_changed}"
    ),
    "propose.no_secretary": "{area} has no Local Association Secretary in the directory yet. {nothing_changed}",
    "propose.live": "{employer} is already in the scheme's journey in {area} ({stage}).",
    "propose.live.reply": "{problem} Use /vws status to see it. {nothing_changed}",
    "propose.just_now": "{employer} was proposed in {area} a moment ago. {nothing_changed}",
    "propose.done": (
        "Thanks. Your proposal for {employer} has gone to your Local Association Secretary, {secretary}. "
        "You'll get a message here when they decide."
    ),
    "resubmit.same_area": "A revised proposal stays in the same local association. {nothing_changed}",
    "resubmit.same_area.field": "Keep this as {area}.",
    "resubmit.changed": "Changed: {field}",
    "resubmit.was_now": "was: {was}\nnow: {now}",
    "resubmit.unchanged": (
        "Nothing in the proposal has changed. Revise it to answer the reasons it was rejected. {nothing_changed}"
    ),
    "resubmit.unchanged.field": "Change the proposal to answer the reasons it was rejected.",
    "resubmit.done": "Your revised proposal for {employer} has gone to {secretary}, who will see what you changed.",
    # ------------------------------------------------------------------ approvals
    "approval.headline": "Approval needed: {employer}",
    "approval.secretary.intro": "{proposer} (NASUWT rep) proposes {employer} for the Valued Worker Scheme.",
    "approval.secretary.next": (
        "Approve to pass it to the National Executive Member, {nem}, or reject it with your reasons."
    ),
    "approval.nem.intro": (
        "{proposer} (NASUWT rep) proposes {employer} for the Valued Worker Scheme. The Local Association "
        "Secretary, {secretary}, has approved it."
    ),
    "approval.nem.next": "Approve to take it to the local GMB, UNISON and Unite reps, or reject it with your reasons.",
    "approval.revised": "This is version {revision}, revised after a rejection.",
    "verdict.approved": "Approved",
    "verdict.rejected": "Rejected",
    "decided.headline": "{verdict}: {employer}",
    "decided.body": "{verdict} by {who} on {when}.",
    "secretary_approved.reply": "You approved {employer}. It now goes to the National Executive Member, {nem}.",
    "secretary_approved.headline": "Approved by the Secretary: {employer}",
    "secretary_approved.body": (
        "Good news: {secretary}, your Local Association Secretary, approved your proposal for {employer}."
    ),
    "secretary_approved.next": (
        "It is now with the National Executive Member, {nem}. Nothing to do yet: you'll hear when they decide."
    ),
    "secretary_rejected.reply": "You rejected {employer}. Your reasons have gone to {proposer}.",
    "rejected.headline": "Not approved: {employer}",
    "rejected.body": "{who} ({role}) rejected your proposal for {employer}.",
    "rejected.next": "Revise the proposal to answer these reasons and resubmit it, or withdraw it.",
    "nem_rejected.reply": (
        "You rejected {employer}. Your reasons have gone to {proposer} and the Local Association Secretary."
    ),
    "nem_rejected.headline": "NEM rejected: {employer}",
    "nem_rejected.body": "{nem} (National Executive Member) rejected {employer}.",
    "nem_rejected.next": "{proposer} can revise and resubmit it; you'll be asked again.",
    "nem_approved.reply": "You approved {employer}. The bot is asking the local GMB, UNISON and Unite reps to agree.",
    "nem_approved.headline": "Approved by the NEM: {employer}",
    "nem_approved.body": "{nem} (National Executive Member) approved {employer}.",
    "nem_approved.next": (
        "The bot has asked the local GMB, UNISON and Unite reps to agree, in a shared channel you've been added to."
    ),
    "sharing_missing.headline": "Not put in the partner channel for {employer}: no basis for sharing",
    "sharing_missing.body": (
        "Their union has recorded neither the unions' agreement nor their consent to being shown to the "
        "other unions, so they were not added to the partner channel: {names}."
    ),
    "sharing_missing.next": "Ask an admin to record their union's sharing basis (or their consent) in the directory.",
    "sharing.who": "{name} ({union})",
    "sharing.reps": "{n} {union} rep{s}",
    "partner_missing.headline": "No rep in the directory for {unions}",
    "partner_missing.body": (
        "{employer} needs one voice from each partner union, but {area} has no {unions} rep in the directory."
    ),
    "partner_missing.next": "Ask an admin to add them to the directory; they can then agree in the channel.",
    "reasons.secretary_reject.title": "Reject the proposal",
    "reasons.secretary_reject.prompt": "Why are you rejecting this proposal? Your reasons go to the rep who proposed it.",
    "reasons.secretary_reject.submit": "Reject",
    "reasons.nem_reject.title": "Reject the proposal",
    "reasons.nem_reject.prompt": (
        "Why are you rejecting this proposal? Your reasons go to the rep and the Local Association Secretary."
    ),
    "reasons.nem_reject.submit": "Reject",
    "reasons.partner_disagree.title": "Disagree",
    "reasons.partner_disagree.prompt": "Why does your union disagree? Your reasons go to the rep who proposed it.",
    "reasons.partner_disagree.submit": "Disagree",
    # ------------------------------------------------------------------ partner unions
    "partner_request.headline": "Is {employer} suitable for the Valued Worker Scheme?",
    "partner_request.body": (
        "{proposer} (NASUWT) proposes {employer}. The Local Association Secretary and the National "
        "Executive Member have approved it."
    ),
    "partner_request.how": (
        "GMB, UNISON and Unite: please give one answer for your union. Click Agree or Disagree, or reply "
        "\u201cagree\u201d in this thread."
    ),
    "partner_request.agreed": "{union}: agreed by {who} on {when}.",
    "partner_request.still": "Still to answer: {unions}.",
    "partner_request.next": (
        "When all three unions agree, you'll choose the route to the employer: a JCC agenda item or a joint letter."
    ),
    "partner.several_unions": (
        "You are a rep of more than one partner union here; ask an admin to fix the directory. Nothing has changed."
    ),
    "partner.already_spoken": (
        "{union} has already spoken on {employer}: {who} {verb} on {when}. Each union has one voice. Nothing has changed."
    ),
    "partner.verb.agree": "agreed",
    "partner.verb.disagree": "disagreed",
    "partner.agrees.reply": "Recorded: {union} agrees.",
    "partner.agrees.headline": "{union} agrees",
    "partner.agrees.body": "{who} agreed for {union}.",
    "partner.agrees.waiting": "Still waiting for: {unions}.",
    "partner.disagrees.reply": "Recorded: {union} disagrees. Your reasons have gone to {proposer}.",
    "partner.disagrees.headline": "{union} disagrees: {employer}",
    "partner.disagrees.body": "{who} disagreed for {union}.",
    "partner.disagrees.next": "The proposal goes back to {proposer} to revise or withdraw.",
    "partner.not_agreed.headline": "Not agreed: {employer}",
    "partner.not_agreed.body": "{union} disagreed ({who}) on {when}.",
    "partner.all_agreed.reply": "Recorded: {union} agrees. All three partner unions have now agreed.",
    "partner.agreed.headline": "Agreed: {employer}",
    "partner.agreed.body": "GMB, UNISON and Unite all agreed; the last was {union} ({who}) on {when}.",
    "partner.agreed_to_proposer.headline": "Partner unions agreed: {employer}",
    "partner.agreed_to_proposer.body": "GMB, UNISON and Unite have all agreed that {employer} is suitable.",
    "partner.agreed_to_proposer.next": (
        "Choose the route to the employer in the shared channel: a JCC agenda item or a joint letter."
    ),
    "dm.not_understood.slack": (
        "I didn't understand \u201c{typed}\u201d. Type /vws help to see what I can do, or /vws status for what "
        "is waiting for you. To answer one of my messages, use its buttons."
    ),
    "reply.in_channel": (
        "That was not recorded as your union's answer: answers count in the proposal's thread (the replies "
        "under the proposal), so each one sits with what it answers. Reply there, or answer now:"
    ),
    "reply.where": (
        "Reply 'agree' or 'disagree' in the employer's partner unions' chat, or use the buttons on the proposal's card."
    ),
    "reply.where.several": (
        "Reply 'agree' or 'disagree' in the employer's partner unions' chat, or use the buttons on the proposal's "
        "card. More than one proposal is waiting for your answer."
    ),
    # ------------------------------------------------------------------ route and introduction
    "route_request.headline": "All three partner unions agree",
    "route_request.body": "GMB, UNISON and Unite all agree that {employer} is suitable for the Valued Worker Scheme.",
    "route_request.next": (
        "Choose how to approach the employer: put the scheme on the agenda of the next Joint Consultative "
        "Committee, or send a joint letter from the unions. The bot then drafts it."
    ),
    "route.reply": "Route recorded: {route}. A draft is in the channel.",
    "route.chosen.headline": "Route agreed: {route}",
    "route.chosen.body": "Chosen by {who} on {when}.",
    "draft.jcc": "Draft JCC agenda item for {employer}",
    "draft.letter": "Draft joint letter for {employer}",
    "draft.next": (
        "Copy it, or download the Word document, and edit it as you need before it goes to the employer."
    ),
    "draft.add_why": (
        "The proposal said nothing for the employer to read, so the draft marks where to add why the unions "
        "invite {employer}. (The case notes in the proposal are not used: they are for the unions only.)"
    ),
    "introduce_request.headline": "Next: introduce the scheme to {employer}",
    "introduce_request.body": "The route is {route}. Its draft is just above, in this channel, to copy or download.",
    "introduce_request.next": (
        "When the scheme has been put to the employer, click \u201cIntroduced to the employer\u201d. "
        "The draft stays here."
    ),
    "introduce.reply": "Recorded: the scheme has been introduced to {employer}.",
    "introduce.headline": "Introduced to {employer}",
    "introduce.why": "The scheme has been introduced to the employer.",
    "recorded_by": "Recorded by {who} on {when}.",
    # ------------------------------------------------------------------ action plan
    "plan_request.headline": "Action plan needed: {employer}",
    "plan_request.done.headline": "Action plan recorded: {employer}",
    "rejected.resubmitted.headline": "Resubmitted: {employer}",
    "rejected.resubmitted.body": "Revised and resubmitted by {who} on {when}.",
    "plan_request.avoid": " It must work towards a different principle from last cycle's (principle {principle}).",
    "plan_request.next": (
        "When the employer agrees an action plan (one principle, objectives, activities, success criteria, a "
        "review date and a workplan), record it with /vws plan.{hint}"
    ),
    "plan.same_principle": (
        "Last cycle worked on principle {principle}. A new cycle begins with a different principle."
    ),
    "plan.review_after_start": "The review date must be after the start date.",
    "plan.reply": "Action plan recorded for {employer}: {principle}. Review due {review_on}.",
    "plan.reply.joined": " The employer has joined the scheme.",
    "plan.workplan_line": "{number}. {detail} ({owner}, by {by})",
    "plan.avoid": "{employer}: not principle {principle} again",
    "plan.avoid.note": "A new cycle needs a different principle. {list}",
    "joined.headline": "{employer} has joined the Valued Worker Scheme",
    "joined.body": "The employer agreed its first action plan, recorded by {who}.",
    "joined.next": (
        "Work to the plan. The bot will remind you of workplan deadlines and of the review on {review_on}."
    ),
    "joined.nem.body": "{employer} ({area}) has agreed its first action plan.",
    "joined.nem.next": (
        "The national union has been told, so it can add the employer to the list and send the logo. Nothing else to do."
    ),
    "cycle.headline": "New cycle for {employer}: cycle {cycle}",
    "cycle.body": "A new action plan was agreed, recorded by {who}.",
    "cycle.next": "Work to the plan. The review is due on {review_on}.",
    "cycle.nem.headline": "New action plan: {employer}",
    "cycle.nem.body": "{employer} ({area}) has begun cycle {cycle} of the scheme.",
    "workplan.no_such_action": "There is no workplan action #{id}. {nothing_changed}",
    "workplan.already_done": "Action {number} was already marked done. {nothing_changed}",
    "workplan.done.reply": "Action {number} marked done.",
    "workplan.done.headline": "Workplan action {number} done",
    "workplan.done.card.headline": "Workplan action {number} for {employer}: done",
    "workplan.done.card.by": "Marked done by {who} on {on}.",
    # ------------------------------------------------------------------ the national list
    "national.new.headline": "New member of the Valued Worker Scheme: {employer}",
    "national.new.body": (
        "{employer}, a {kind} in {area} ({region}), has agreed its first action plan. Its NEM is {nem}."
    ),
    "national.new.next": "Add the employer to the national list and send the logo, then click the buttons to record each.",
    "national.record.headline": "Valued Worker Scheme: {employer}",
    "national.record.body": "{employer} ({area}).",
    "national.record.line": "{what}: {when}",
    "national.added": "Added to the list",
    "national.logo": "Logo sent",
    "not_yet": "not yet",
    "national.record.by": "Last recorded by {who}.",
    "national.record.next.done": "Nothing more to do.",
    "national.record.next.other": "Click the other button when done.",
    "national.record.reply": "Recorded: {employer}, {done}.",
    "national.done.list": "added to the national list",
    "national.done.logo": "sent the logo",
    "national.told.list": "{employer} is now on the national list of Valued Worker Scheme employers.",
    "national.told.logo": "The national union has sent the scheme's logo to {employer}.",
    "national.told.off": "The national union has taken {employer} off the national list.",
    "national.off.reply": "Recorded: {employer} is off the national list.",
    "national.off.body": "{employer} ({area}). Taken off the list by {who} on {when}.",
    # ------------------------------------------------------------------ reviews
    "review.not_due": "The review of {employer} is not due yet.",
    "review.due.reply": "{employer}: review due.",
    "review.due.headline": "Review due: {employer}",
    "review.due.body": "The action plan for {employer} ({principle}) is due for review on {review_on}.",
    "review.due.next": (
        "Has the objective been met? Click Objective met, or Not met to extend the review or agree a new plan."
    ),
    "review.no_plan": "{employer} has no action plan to review. {nothing_changed}",
    "review.met.why": "Review: {employer} met its objective ({principle}). The cycle begins again with a new action plan.",
    "review.met.reply": "Recorded: {employer} met its objective. Next, agree a new action plan on a different principle.",
    "review.met.told": "Objective met",
    "review.extend.reply": "Recorded: objective not yet met; the review of {employer} moves to {review_on}.",
    "review.extend.told": "Not met: review extended to {review_on}",
    "review.new_plan.why": (
        "Review: {employer} did not meet its objective. A new action plan is to be agreed; the reasons the "
        "last one failed are recorded with it."
    ),
    "review.new_plan.reply": "Recorded: {employer} did not meet its objective. Next, agree a new action plan.",
    "review.new_plan.told": "Not met: a new action plan to agree",
    "review.recorded.headline": "Review of {employer}: {told}",
    "review.nem.body": "{employer} ({area}), cycle {cycle}, {principle}.",
    "outcome.objective_met": "Objective met: start a new cycle",
    "outcome.not_met_extend": "Not met: extend the review period",
    "outcome.not_met_new_plan": "Not met: agree a new action plan",
    # ------------------------------------------------------------------ revocation, withdrawal
    "revoked.reply": (
        "The membership of {employer} in the Valued Worker Scheme is revoked. The national union, the NEM and the "
        "local reps have been told."
    ),
    "revoked.headline": "Revoked: {employer}",
    "revoked.national.body": (
        "{employer} ({area}) is no longer in the Valued Worker Scheme. Revoked by {who} on {when}."
    ),
    "revoked.national.next.listed": (
        "Take the employer off the national list (and ask it to stop using the logo), then click "
        "\u201cTaken off the list\u201d."
    ),
    "revoked.national.next.unlisted": "It was not yet on the national list; nothing to remove.",
    "revoked.space.body": "Revoked by {who}.",
    "revoked.person.body": "The membership of {employer} in the scheme was revoked by {who}.",
    "withdrawn.reply": "The proposal for {employer} is withdrawn.",
    "withdrawn.headline": "Withdrawn: {employer}",
    "withdrawn.approver.body": "Withdrawn by {who} on {when}. No decision is needed.",
    "withdrawn.body": "The proposal was withdrawn by {who}.",
    # ------------------------------------------------------------------ forms
    "form.propose.title": "Propose an employer",
    "form.propose.heading": "Propose an employer for the Valued Worker Scheme",
    "form.propose.submit": "Send for approval",
    "form.resubmit.title": "Revise the proposal",
    "form.resubmit.heading": "Revise and resubmit the proposal",
    "form.resubmit.submit": "Resubmit",
    "form.resubmit.note": "Change what the rejection asked for. The Secretary will see what you changed.",
    "form.plan.title": "Action plan",
    "form.plan.heading": "Record the action plan the employer agreed",
    "form.plan.submit": "Record the plan",
    "form.not_met.title": "Review: not met",
    "form.not_met.heading": "Review of {employer}: not met",
    "form.not_met.note": "{employer} has not met its objective. What has been agreed?",
    "form.review.title": "Review",
    "form.review.heading": "Record the review",
    "form.review.submit": "Record the review",
    "form.revoke.title": "Revoke membership",
    "form.revoke.heading": "Revoke an employer's membership",
    "form.revoke.submit": "Revoke",
    "form.revoke.note": (
        "Revocation is for an employer that acts outwith the agreed policy. It leaves the scheme and the national list."
    ),
    "field.employer": "Employer",
    "field.employer.search": "Type part of the employer's name to find it.",
    "field.employer_name.placeholder": "e.g. Oakfield Primary School",
    "field.employer_kind": "Kind of employer",
    "field.association": "Local association",
    "field.case_for": "Why this employer?",
    "field.case_for.hint": (
        "What makes them a good candidate; what the unions hope they will work on. For the unions only: "
        "the employer never sees it."
    ),
    "field.to_employer": "What to tell the employer (optional)",
    "field.to_employer.hint": (
        "The JCC agenda item or joint letter uses these words, so write them for the employer to read. "
        "You can change them when you revise the proposal."
    ),
    "field.origin": "Who started it?",
    "field.reasons": "Reasons",
    "field.reasons.hint": "These go to the people involved in {employer}.",
    "field.principle": "Principle for this cycle",
    "field.principle.example": "e.g. {example}",
    "field.objectives": "Objectives",
    "field.activities": "Activities",
    "field.success_criteria": "Success criteria",
    "field.starts_on": "Start date",
    "field.starts_on.hint": "Leave empty for today.",
    "field.review_on": "Review date",
    "field.review_on.hint": "Leave empty for a year after the start.",
    "field.workplan": "Workplan",
    "field.workplan.hint": (
        "One action a line: number | detail | owner | by-date, e.g. 1 | Agree a wellbeing policy | Head teacher "
        "| End October 2027. A table pasted from Word works too."
    ),
    "field.what_next": "What next",
    "field.outcome": "Outcome of the review",
    "field.not_met.hint": "Why the objective was not met.",
    "field.review_reasons.hint": "Needed when the objective was not met.",
    "field.new_review_on": "New review date",
    "field.new_review_on.hint": "Needed when the review period is extended.",
    # ------------------------------------------------------------------ the register and the audit trail
    "register.off_list": "{status}; taken off the national list on {when}",
    "register.principle": "principle {n}",
    "register.review": "review {when}",
    "audit.by": "{who} {what}",
    "audit.union": "{union}",
    "audit.version": "version {n}",
    "audit.changed": "changed: {fields}",
    "audit.cycle": "cycle {n}",
    "audit.principle": "principle {n}",
    "audit.old_review_on": "review was due {when}",
    "audit.review_on": "review on {when}",
    "audit.workplan_actions": ("{n} workplan action", "{n} workplan actions"),
    "audit.number": "action {n}",
    "audit.reasons": ": {reasons}",
    "audit.end": ".",
    "audit.now": " Now {stage}.",
    "audit.action.workplan_action_done": "marked a workplan action done",
    # ------------------------------------------------------------------ commands
    "command.propose": "propose an employer for the scheme",
    "command.plan": "record the action plan an employer agreed",
    "command.review": "record a review: objective met, or not",
    "command.revoke": "revoke an employer's membership (NEM or national officer)",
    "command.status": "what is waiting for you",
    # ------------------------------------------------------------------ reminders
    "remind.snooze": "Snooze a week",
    "remind.due_word": "due ",
    "remind.in_days": (
        "in {n} day",
        "in {n} days",
    ),
    "remind.tomorrow": "tomorrow",
    "remind.today": "today",
    "remind.days_overdue": ("{n} day overdue", "{n} days overdue"),
    "remind.weeks_overdue": ("{n} week overdue", "{n} weeks overdue"),
    "remind.workplan.headline": "Workplan action {number} for {employer}: {when}",
    "remind.workplan.what": "Action {number}: {detail}",
    "remind.workplan.owner": "Owner: {owner}. By: {by}.",
    "remind.workplan.next": (
        "When it is done, click Mark done and these reminders stop. If it needs a new date, agree one with the "
        "partner unions."
    ),
    "remind.workplan.secretary.headline": "Overdue workplan action: {employer}, action {number} ({when})",
    "remind.workplan.secretary.owner": "Its owner and the partner channel have been reminded every week since it fell due.",
    "remind.workplan.secretary.channel": "The partner channel has been reminded every week since it fell due.",
    "remind.workplan.secretary.next": (
        "Please check with the owner and the partner unions whether it is stuck or needs a new date."
    ),
    "remind.approval.headline": "Still waiting for your decision: {employer}",
    "remind.approval.body": (
        "{employer} has waited {n} working day for you to decide, as {title}.",
        "{employer} has waited {n} working days for you to decide, as {title}.",
    ),
    "remind.approval.next": "Approve it, or reject it with your reasons, so the proposal can move on.",
    "remind.deputy.headline": "Waiting for the Secretary: {employer}",
    "remind.deputy.body": (
        "{employer} has waited {n} working day for the Local Association Secretary, {secretary}. As "
        "deputy, you can decide it.",
        "{employer} has waited {n} working days for the Local Association Secretary, {secretary}. As "
        "deputy, you can decide it.",
    ),
    "remind.proposer.headline": "Still waiting: {employer}",
    "remind.proposer.body": (
        "Your proposal for {employer} has waited {n} working day for the {title}, {approver}. The bot has"
        " reminded them.",
        "Your proposal for {employer} has waited {n} working days for the {title}, {approver}. The bot "
        "has reminded them.",
    ),
    "remind.proposer.next": "Nothing to do: you'll hear when they decide.",
    "remind.partner.headline": "Still waiting for {unions}: {employer}",
    "remind.partner.body": (
        "{employer} has waited {n} working day for the partner unions. Still to answer: {unions}.",
        "{employer} has waited {n} working days for the partner unions. Still to answer: {unions}.",
    ),
    "remind.partner.reps": "Reps: {reps}.",
    "remind.partner.next": "One answer per union: click Agree or Disagree, or reply \u201cagree\u201d in this thread.",
    "snooze.about.workplan": "workplan action {number} for {employer}",
    "snooze.about.review": "the review of {employer}",
    "snooze.about.approval": "the decision on {employer}",
    "snooze.about.partner": "the partner unions' answer on {employer}",
    "snooze.gone": "That reminder is no longer running, so there is nothing to snooze. {nothing_changed}",
    "snooze.not_in_directory": (
        "You're not in the VWS directory, so the bot doesn't send you reminders. {nothing_changed}"
    ),
    "snooze.done": "Snoozed for a week: you won't get reminders about {what} until {until}.",
    "snooze.channel_still": " Reminders in the partner channel still go there, for the others.",
    "snooze.card.headline": "Snoozed: {what}",
    "snooze.card.body": "Snoozed for a week by {who}, until {until}.",
    "snooze.card.next": "You'll be reminded again after that if it is still open; your status shows it meanwhile.",
}
