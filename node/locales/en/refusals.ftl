# What the node says when it refuses what a person asked on its operator socket
# (operations::refusals), and the headline of each reason token a node sends (reason-*), which is
# also how a person reads a peer's refusal. The peer's own words are quoted after the headline,
# never translated.

refusal-english-detail = { $headline }: { $detail }

refusal-not-a-contact-point = Unix user { $account } is not a contact point of this node: add a [[contact_points]] entry with `unix_user = "{ $user }"` (or `uid = { $uid }`) and the person's name to the node's configuration, then restart the node
refusal-name-mismatch = this node attributes what Unix user { $account } submits to contact point "{ $name }", not to "{ $declared }": leave out --as (or give --as "{ $name }")
refusal-not-an-operator = only the node's operator (the account rogatoryd runs as, or root) may do this; Unix user { $account } may not
refusal-unidentified-caller = the node cannot tell which Unix user is calling, so it accepts no submission

refusal-unknown-recipient = "{ $peer }" is not a peer of this node; `rogatory node identity` lists the peers this node can send to
refusal-no-message = no message { $id } in this node's inbox or outbox
refusal-no-case = no case { $id } in this node's inbox or outbox
refusal-no-message-id = no message id held by this node begins with "{ $typed }"
refusal-no-case-id = no case id held by this node begins with "{ $typed }"
refusal-ambiguous-message-id = "{ $typed }" begins more than one message id: { $candidates }; type more of the id
refusal-ambiguous-case-id = "{ $typed }" begins more than one case id: { $candidates }; type more of the id
refusal-request-field-required = the request is incomplete: `{ $field }` is required
refusal-field-required = the message is incomplete or invalid: `{ $field }`: required
refusal-field-too-long = the message is incomplete or invalid: `{ $field }`: longer than { $max } bytes
refusal-field-invalid = the message is incomplete or invalid: `{ $field }`: { $problem }
refusal-update-on-consultation = message { $id } is a consultation message, which is outside the request lifecycle: a status update refers to the request it concerns
refusal-update-on-information = message { $id } is spontaneous information, which is outside the request lifecycle: a status update refers to the request it concerns
refusal-unbound-case-id = this node holds no case "{ $case }", and a new case's id must begin with this node's id and '-' ("{ $node }-..."): leave the case id out to open a new case, or give the id of a case this node holds
refusal-not-signed = the node did not sign the message
refusal-status-not-allowed = the status update cannot be sent
refusal-parties = the case's parties do not allow it
refusal-disk-reserve = the disk holding this node's data directory is full ({ $free } MiB free{ $incoming ->
        [0] {""}
       *[other] , { $incoming } MiB more asked for
    }; the node keeps { $reserve } MiB for its audit log): retry later
refusal-disk-full = the disk holding this node's data directory is full: retry later
refusal-store-unavailable = the node cannot store messages right now; retry later
refusal-attachment-reference = attachment reference { $index }: { $problem }
refusal-attachments-too-large = the attachments total { $total } bytes or one is larger than this node accepts (attachments.max_file_bytes, attachments.max_total_per_message_bytes)
refusal-attachments-not-stored = { $count } of the message's attachments (first: sha256 { $first }) are not stored here yet; upload them with PutAttachment, then deliver again; `rogatory request send` and `rogatory case reply --attach` upload them first
refusal-roster-not-applied = the roster was not applied
refusal-backup-path-relative = give the backup directory as an absolute path on the node's machine
refusal-backup-not-written = the backup was not written
refusal-directory-unknown-peer = { $peer } is not a peer of this node
refusal-directory-unavailable = the peer's directory could not be searched

# Headlines of the reason tokens (`rogatory-reason`), one per token any node sends.
reason-other = the node refused it
reason-unknown-peer = the node does not know the sender as a peer
reason-malformed = the message is malformed or incomplete
reason-sender-mismatch = the message's sender is not the node that delivered it
reason-wrong-recipient = the message is addressed to another node
reason-bad-signature = the message's signature does not verify
reason-unknown-key = the node does not yet know the key that signed the message
reason-key-revoked = the key that signed the message is revoked
reason-key-retired = the key that signed the message was retired before the message was made
reason-key-not-yet-valid = the key that signed the message was not yet valid when the message was made
reason-unbound-message-id = the message's id is not bound to its sender
reason-replay-conflict = another message was received under the same id
reason-bad-timestamp = the message's creation time is too far from the node's clock
reason-too-large = the message is larger than the node accepts
reason-out-of-order = an earlier message of the same case has not arrived yet
reason-invalid-transition = the request's lifecycle does not allow this status update now
reason-outside-lifecycle = the message is outside the request lifecycle
reason-unknown-party = the message names a party the node does not know
reason-parties-mismatch = the message's parties differ from the case's
reason-unbound-case-id = the case id is not bound to the node that opened the case
reason-bad-report = the delivery report is not valid
reason-nothing-to-close = there is no open consultation to close
reason-bad-attachment-ref = a reference to an attachment is not valid
reason-attachments-too-large = the attachments are larger than the node accepts
reason-attachments-missing = the node does not hold the message's attachments yet
reason-disk-full = the node's disk is full
reason-unavailable = the node cannot store anything right now
reason-busy = the node is busy
reason-too-many-watchers = this account already watches the node as many times as it may (stop one `rogatory watch` first)
reason-too-many-ids = too many messages named in one call
reason-restoring = the node was restored from a backup and is confirming its log with its peers
reason-attachment-not-found = the node holds no such attachment
reason-attachment-busy = the attachment is being uploaded already
reason-attachment-offset = the upload did not resume where the node expected
reason-attachment-overrun = the upload is longer than the attachment it announced
reason-attachment-hash-mismatch = the uploaded file does not match its SHA-256
reason-attachment-chunk = a part of the upload is not valid
reason-attachment-too-large = the attachment is larger than the node accepts
reason-attachment-quota = the uploader's share of the node's attachment storage is used up
reason-attachment-too-slow = the attachment transfer was too slow
reason-bad-checkpoint = the checkpoint is not valid
reason-witness-size = the witness holds another size of the log
reason-inconsistent-checkpoint = the checkpoint contradicts one the witness holds
reason-unidentified-caller = the node cannot tell who is calling
reason-not-a-contact-point = the caller is not a contact point of the node
reason-name-mismatch = the name given is not the caller's contact-point name
reason-not-an-operator = only the node's operator may do this

# A peer's refusal of a delivery: the headline of its reason, then its own words as it wrote them.
refusal-peer-refused = { $peer } refused the message: { $headline }. The words of { $peer }: "{ $words }"

# A status update the request's lifecycle does not allow now. In English the statuses and states
# are their protocol names, as `rogatory status send` takes them.
refusal-side-requesting = requesting side
refusal-side-requested = requested side
refusal-request-final = the status update cannot be sent: the request is { $state }, which is final: no status update may follow it
refusal-status-not-entitled = the status update cannot be sent: only the { $entitled } may report { $status }, and this update would come from the { $by }
refusal-status-cannot-follow = the status update cannot be sent: { $status } cannot follow { $state }: from { $state } the { $by } may send: { $allowed }
refusal-status-other-side-may = the status update cannot be sent: { $status } cannot follow { $state }: from { $state } the { $by } may send nothing; the { $other } may send: { $allowed }
refusal-status-nothing-follows = the status update cannot be sent: { $status } cannot follow { $state }: from { $state } no transition may follow
