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
