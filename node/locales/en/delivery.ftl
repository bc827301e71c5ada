# Where a sent message stands, addressee by addressee, and why it waits. The state words are
# the protocol's (delivery-state-* in vocabulary.ftl), plus "sending" while an attempt runs.

delivery-sending = sending
delivery-attempts = { $count ->
    [0] not yet attempted
    [one] { $count } attempt
   *[other] { $count } attempts
}
delivery-last-error = last error: { $error }
delivery-next-attempt = next attempt at { $time }
delivery-overdue = OVERDUE: undelivered past the node's alert horizon
delivery-waiting-heading = Waiting:
delivery-waiting-line = { $party }: { $state }, { $reason }
delivery-label = delivery:
delivery-received-at = received, receipt signed at { $time }
delivery-not-yet-received = not yet received: { $parties }
delivery-copies-advice = Every party of the case gets the same signed message. Not yet confirmed by: { $parties }; the node keeps trying by itself (`rogatory outbox` shows why it waits). Do not send it again.
