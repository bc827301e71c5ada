# What `rogatory request send`, `status send`, `consult`, `inform` and `case reply` report
# once the node has signed and tried to deliver the message.

send-what-request = MLA request
send-what-status = Status update "{ $status }"
send-what-information = Spontaneous information
send-what-consultation = Consultation message
send-what-other = Message
send-heading = { $what } { $id } to { $to }
send-field-case = case
send-field-copies = copies
send-field-use-restrictions = use restrictions
send-field-about = about
send-field-request-now = request now
send-field-own-log = this node's log
send-own-log = entry { $index } (signed and stored)
send-field-state = state
send-delivered = DELIVERED
send-field-receipt = receipt
send-receipt = signed by { $node }, stored at { $time }, { $node }'s log entry { $index }
send-field-envelope-sha = envelope SHA-256
send-queued = QUEUED: { $node } has not confirmed receiving it
send-field-last-error = last error
send-no-error = (none)
send-retry-at = the node will try again at { $time }
send-no-retry = no further delivery attempt is scheduled
send-queued-advice = The message is signed and kept in this node's outbox (`rogatory outbox`); do not send it again: { $retry }. Ask the node operators to check that { $node } is running and reachable at the address `rogatory node identity` lists, and if the matter is urgent, alert { $node }'s contact point through another channel.

## A status update the lifecycle refuses before anything is signed
send-refusal-needs-ground = a refusal must name its ground (UNTOC art. 18(21))
send-refusal-needs-ground-hint = add --ground with one of: { $grounds }; `rogatory status send --help` explains each. Bank secrecy alone is no ground (art. 18(8))
send-ground-only-for-refusal = --ground { $ground } is only for --status refused
send-ground-only-for-refusal-hint = leave out --ground
send-refusal-needs-reasons = a refusal must give its reasons (UNTOC art. 18(23))
send-refusal-needs-reasons-hint = add --note "..." with the reasons for the other side
send-not-sent = your node did not send it: { $reason }
send-not-sent-hint = `rogatory message show { $id }` shows where the request stands and its status updates
