# Governing the federation: `rogatory federation governor-key`, `genesis`, `propose`, `sign`,
# `show`, `diff`, `apply`, `status`. The roster's own words (the federation's name, authorities,
# governors' names, revocation reasons) are shown as they are; the differences between two
# rosters are in roster-changes.ftl.

federation-cannot-write-governor-key = cannot write the governor key { $file }
federation-governor-key-made = Made the governor key of { $name } in { $file } (mode 0600).
federation-label-public-key = public key:
federation-label-fingerprint = fingerprint:
federation-governor-key-offline = Keep the key file offline; it signs rosters for { $name }.
federation-governor-key-send = Send the public key to whoever writes the genesis roster or the proposal adding you:
federation-governor-key-read = and read them the fingerprint over the telephone.
federation-refusing-to-sign = refusing to sign { $file }
federation-cannot-read-governor-key = cannot read the governor key { $file }
federation-not-a-governor = the key in { $file } (fingerprint { $fingerprint }) is no governor of the current roster nor of the proposal, so its signature would not count
federation-not-a-governor-hint = sign with your governor key (from `rogatory federation governor-key`); `rogatory federation show` lists the governors' keys
federation-signing-as = Roster { $serial } of { $federation }, signing as governor { $name } ({ $key }).
federation-signature-added = Added your signature to { $file }.
federation-signature-already-there = { $file } already carries your signature; nothing changed.

federation-counted-against-own-governors = Signatures counted against the governors it names only: give --current ROSTER (the roster in force) to count the current governors'.
federation-diff-same = { $old } and { $new } say the same.
federation-diff-heading = From { $old } to { $new }, the roster:
federation-altered = { $file } was altered after it was signed: the signatures of { $keys } do not verify over its content (or a key signed twice)
federation-altered-hint = do not use this file; ask for the proposal again from its author and compare its digest by telephone
federation-key-valid = valid
federation-key-valid-from = valid from { $date }
federation-key-retired = retired since { $date }
federation-key-revoked = REVOKED since { $date }: { $reason }
federation-key-not-a-member = not a member
federation-key-unknown = unknown key
federation-governance-current = the current governors
federation-governance-new = the governors this roster names
federation-roster-heading = Roster { $serial } of federation { $federation }
federation-label-digest = digest:
federation-label-follows = follows:
federation-label-issued = issued:
federation-label-expires = expires:
federation-expired = (EXPIRED: a node refuses to apply it)
federation-expires-in-days = (in { $days } days)
federation-members-heading = Members ({ $count }):
federation-member = { $node } ({ $country }, { $authority }) at { $addresses }
federation-member-key = signing key { $short } ({ $key }): { $standing }
federation-governors-heading = Governors: { $threshold } of { $count } must sign the next roster:
federation-governor = { $name } ({ $key }), fingerprint { $fingerprint }
federation-cas-heading = Certificate authorities:
federation-revoked-heading = Revoked TLS certificates:
federation-revoked = serial { $serial } since { $date }: { $reason }
federation-genesis = It is a genesis: { $members } members, { $governors } governors.
federation-compared-with = Compared with roster { $serial }, it:
federation-signatures = { $signed } of { $threshold } needed signatures from { $of }
federation-signed-by = (signed: { $names })
federation-more-needed = { $count } more needed, from: { $names }
federation-signature-ignored = A signature by { $key } (no governor) is ignored.
federation-ready = Ready to apply with `rogatory federation apply { $file }`.
federation-not-ready = Not ready: it needs the signatures above before a node applies it.

federation-genesis-written = Wrote the genesis roster of { $federation } to { $file }.
federation-genesis-next = Next: send the file to the governors; each checks it (`rogatory federation show { $file }`), compares its digest by telephone, and signs it:
federation-proposal-written = Wrote the proposal for roster { $serial } of { $federation } to { $file }. It:
federation-proposal-next = Next: each governor signs it on their own machine:
federation-proposal-needs = It needs { $threshold } of the { $count } current governors.
federation-proposal-needs-both = It needs { $threshold } of the { $count } current governors and { $new_threshold } of the { $new_count } governors it names.

federation-node-refused = the node refused { $file }: { $reason }
federation-node-refused-hint = nothing changed. `rogatory federation show FILE --current ROSTER-IN-FORCE` says which signatures are missing; `rogatory federation status --out FILE` saves the roster in force
federation-applying = applying { $file }
federation-applied = Roster { $serial } is in force at this node (applied: { $applied }), recorded in its audit log.
federation-applied-peers = Its peers fetch it from this node within a minute; `rogatory federation status` on each shows the serial in force.
federation-asking-roster = asking the node for its roster
federation-not-governed = this node is not governed by a roster: its peers and their keys come from node.toml ([[peers]])
federation-not-governed-hint = to govern it by roster, add `[federation] roster = "FILE"` (the genesis roster) to node.toml and restart; README: "Govern the federation"
federation-roster-does-not-decode = the node's roster does not decode
federation-status-written = Written to { $file } (the CURRENT roster for `federation propose`).

federation-bad-governor-name = { $name } cannot be a governor's name
federation-bad-governor-name-hint = give who holds the key in plain words, without '=', at most { $max } bytes (for example --name "Kazakhstan, General Prosecutor's Office")
federation-not-a-roster = { $file } is not a roster
federation-not-valid = { $file } is not a valid roster or proposal
federation-cannot-read = cannot read { $file }
federation-not-a-roster-file = { $file } is not a roster file
federation-not-fully-signed = { $file } is not a valid, fully signed roster
federation-needs-current = { $file } is roster { $serial }: its signatures count against the roster in force
federation-needs-current-hint = add --current ROSTER, the roster in force (the one it follows)
federation-certificates-count = { $file } holds { $count } certificates; one is needed
federation-certificates-count-hint = give a PEM file with one -----BEGIN CERTIFICATE----- block
federation-not-a-ca = { $file } is not a CA certificate
federation-not-a-ca-hint = give the federation CA's certificate (federation-ca.pem from `rogatory ca create`)
federation-exists = { $file } exists already
federation-exists-hint = choose another --out, or move the old file away
federation-not-a-public-key = { $option }: { $text } is not a public key ({ $problem })
federation-not-a-public-key-hint = give the base64 public key that `rogatory federation governor-key` or `rogatory node identity` prints (or its 64 hex digits)
federation-same-key = { $first } and { $second } have the same key
federation-same-key-hint = each governor has a key of their own
federation-bad-threshold = a threshold of { $threshold } with { $count } governors
federation-bad-threshold-hint = --threshold must be 1 to { $count }; more than half ({ $advised }) is advised
federation-not-of-form = { $option } { $text } is not of the form { $form }
federation-not-of-form-hint = write { $option } "{ $form }"
federation-not-a-duration = { $text } is not a duration
federation-not-a-duration-hint = write a number with d (days), h (hours) or m (minutes), e.g. 7d
federation-not-a-time = { $text } is not a time
federation-not-a-time-hint = write it in UTC as 2026-12-01T10:00:00Z (or 2026-12-01T10:00Z), or `now`
federation-rule-hint-signatures = collect the governors' signatures with `rogatory federation sign` first
federation-rule-hint-altered = the file was altered after it was signed: do not use it; get it again from its author and compare its digest by telephone
federation-rule-hint-current = give the roster it follows as --current (the roster in force on your node)
federation-rule-hint-other = see docs/PROTOCOL.md section 11 for the rule; correct the options and write it again
federation-rule-broken = the { $what } breaks a roster rule: { $error }
federation-document-genesis = genesis
federation-document-proposal = proposal
federation-document-roster = roster
federation-document-current-roster = current roster

# `federation genesis` and `propose`: refusals of their options.
federation-member-name-no-authority = --member-name { $text } names no authority
federation-member-name-hint = write --member-name "ID=COUNTRY,AUTHORITY", e.g. "kz=KZ,General Prosecutor's Office"
federation-two-keys = { $node } has two different signing keys: { $first } ({ $first_source }) and { $second } ({ $second_source })
federation-two-keys-hint = find out which key the node really signs with (`rogatory --node NODE node identity`) and correct the file that disagrees
federation-cannot-read-config = cannot read the node configuration { $file }
federation-missing-authority = { $node }: country and authority (--member-name "{ $node }=CC,AUTHORITY")
federation-missing-address = { $node }: its address (--set-address { $node }=HOST:PORT)
federation-missing-key = { $node }: its signing key (run as a user who can read its signing key, give a peer's node.toml that lists { $node }, or write it out with --member)
federation-genesis-incomplete = the genesis roster is incomplete:
federation-genesis-incomplete-hint = add the options named above and run the command again
federation-genesis-no-members = the genesis roster has no members
federation-genesis-no-members-hint = add --member ID,COUNTRY,AUTHORITY,ADDRESS,KEY or --member-from-config NODE.toml
federation-member-hint = write --member "ID,COUNTRY,AUTHORITY,HOST:PORT,BASE64-KEY" (the authority may hold commas), e.g. "kz,KZ,General Prosecutor's Office,kz.example:7400,BASE64"
federation-member-too-few-parts = --member { $text } has too few parts
federation-revoke-key-needs = --revoke-signing-key needs --since and --reason
federation-revoke-key-needs-hint = add --since TIME (from when its signatures are refused, e.g. 2026-12-01T10:00:00Z, or now) and --reason "what happened"
federation-no-such-key = { $node } has no signing key { $key }
federation-no-such-key-hint = `rogatory federation show { $file }` lists its keys
federation-revoke-certificate-needs = --revoke-certificate needs --reason
federation-revoke-certificate-needs-hint = add --reason "what happened"
federation-no-such-governor = { $text } is no governor of the current roster
federation-no-such-governor-hint = `rogatory federation show { $file }` lists the governors
federation-cannot-read-join-request = cannot read the join request { $file }
federation-not-a-join-request = { $file } is not a join request
federation-join-request-does-not-verify = the join request { $file } does not verify
federation-is-renewal = { $file } is a certificate renewal request
federation-is-renewal-hint = a renewal needs no roster change: the CA holder issues the new certificate from it
federation-already-member = { $node } is already a member
federation-already-member-hint = to change its keys use --add-signing-key; a certificate renewal needs no roster change
federation-foreign-issuer = { $file } was issued by { $issuer }, which is none of the roster's CAs
federation-foreign-issuer-hint = only certificates of a CA the roster lists can be revoked by it
federation-no-such-member = { $node } is no member of the roster
federation-members-are = the members are: { $members }
