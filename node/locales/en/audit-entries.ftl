# `rogatory audit entries` and `audit entry`: a node's log read offline from its bundle.
audit-kind-node-started = node started
audit-kind-node-stopped = node stopped
audit-kind-message-sent = message sent
audit-kind-message-received = message received
audit-kind-receipt-issued = receipt issued
audit-kind-receipt-obtained = receipt obtained
audit-kind-rejection = refused
audit-kind-local-action = local action
audit-kind-config-change = configuration change
audit-kind-peer-misbehaviour = peer misbehaviour
audit-kind-attachment-received = attachment stored
audit-kind-roster-applied = roster applied
audit-kind-unknown = unknown kind
audit-message-kind-request = request
audit-message-kind-status-update = status update
audit-message-kind-consultation = consultation
audit-message-kind-information = spontaneous information
audit-message-kind-delivery-report = delivery report
audit-entries-column-index = #
audit-entries-column-time = time
audit-entries-column-kind = entry
audit-entries-column-peer = peer
audit-entries-column-case = case
audit-entries-column-what = what
audit-entries-none = No entry matches (the log holds { $entries ->
    [one] { $entries } entry
   *[other] { $entries } entries
}).
audit-entries-summary = { $shown } shown of { $matched } matching; the log holds { $entries ->
    [one] { $entries } entry
   *[other] { $entries } entries
}.
audit-entries-more = More entries match: raise --limit, or continue with --from INDEX (the index after the last one shown).
audit-entries-damaged = the bundle's entries.bin is damaged at entry { $index }: { $why }
audit-entries-damaged-hint = export the bundle again (`rogatory audit export`); `rogatory audit verify` tells what is wrong with this one
audit-entry-no-such = the bundle has no entry { $index } (it holds { $entries ->
    [one] { $entries } entry
   *[other] { $entries } entries
}, from 0)
audit-entry-no-such-hint = list the entries with `rogatory audit entries BUNDLE`
audit-entry-index = entry:
audit-entry-time = time:
audit-entry-kind = kind:
audit-entry-peer = peer:
audit-entry-message = message:
audit-entry-case = case:
audit-entry-what = what:
audit-entry-hash = entry hash:
audit-entry-previous = previous hash:
audit-entry-signature = signature:
audit-entry-payload = Signed payload ({ $kind }, { $size } bytes, SHA-256 { $sha256 }), decoded (fields as named in docs/PROTOCOL.md):
audit-entry-payload-undecoded = (does not decode as what this entry should hold; `rogatory audit verify` reports it)
