# What needs a contact point: `rogatory attention`, `inbox --new`, `message read`, `case read`,
# `watch`, and the states of a case's consultation thread.

attention-asking = asking the node what needs you
attention-marking = marking messages read
attention-heading = What needs you ({ $reader }), as of { $now } UTC
attention-nothing = Nothing needs you ({ $reader }) as of { $now } UTC.
attention-hint = `rogatory case show CASE` shows a case and marks its messages read; `rogatory message read ID` marks one read.
attention-reason-heading-deadline-past = Deadlines passed ({ $count })
attention-reason-heading-delivery-problem = Not delivered ({ $count })
attention-reason-heading-awaiting-answer = Awaiting your answer ({ $count })
attention-reason-heading-deadline-near = Deadlines within { $hours } hours ({ $count })
attention-reason-heading-new = New to you ({ $count })
attention-peer = with { $peer }
attention-kind-request = request
attention-kind-status-update = status update
attention-kind-consultation = consultation
attention-kind-spontaneous-information = spontaneous information
attention-due = { $milestone } due { $due }
attention-milestone-acknowledge = acknowledgement
attention-milestone-decide = decision
attention-milestone-execute = execution
attention-urgent = URGENT
attention-marked = { $count ->
    [one] Marked { $count } message read.
   *[other] Marked { $count } messages read.
}
inbox-new-nothing = No new messages for { $reader }.
inbox-new-hint = `rogatory message show ID` shows a message and marks it read.

# Labels of protocol values (the machine values stay English in --json).
thread-state-open = open
thread-state-answered = answered
thread-state-closed = closed
attention-reason-deadline-past = deadline passed
attention-reason-delivery-problem = not delivered
attention-reason-awaiting-answer = awaiting your answer
attention-reason-deadline-near = deadline near
attention-reason-new = new
outbox-new-refused = --new applies to the inbox only: what you sent is never new to you
outbox-new-hint = `rogatory inbox --new` lists what you have not seen; `rogatory attention` lists undelivered messages too

# rogatory watch
watch-asking = watching the node's events
watch-started = Watching your node's events (Ctrl-C stops). Notices carry no message content.
watch-ended = The node stopped sending events (it is stopping, or was restarted).
watch-missed = { $count ->
    [one] You missed { $count } event while behind: run `rogatory attention`.
   *[other] You missed { $count } events while behind: run `rogatory attention`.
}
watch-case = case { $case }
watch-kind-message-received = message received
watch-kind-status-changed = status changed
watch-kind-delivered = delivered
watch-kind-delivery-failing = not delivered
watch-kind-deadline-near = deadline near
watch-kind-deadline-past = deadline passed
watch-kind-missed = events missed
watch-hook-timeout = still running after { $seconds } s; stopped
watch-exec-failed = the --exec command failed: { $problem }
watch-mail-failed = { $sendmail } could not send the notice: { $problem }
watch-mail-subject = [Rogatory] { $kind }, case { $case }
watch-mail-body = Your Rogatory node reports: { $kind }
    Case: { $case }
    Message: { $message }
    Other party: { $peer }
    Time (UTC): { $at }

    This notice carries no message content. Read it with `rogatory message show { $message }`.

# A case's consultation thread in `case list` and `case show`.
case-thread-kind-consultation = consultation
case-thread-kind-spontaneous-information = information
case-thread-state = { $kind } { $state }
case-thread-closed-by = { $kind } { $state } by { $party }
case-thread-line = Consultations and information: { $thread } (last message from { $party }, { $at } UTC)
