# The node's peers and who the caller is: `rogatory peers`, `rogatory whoami`,
# `rogatory node identity`.

peers-asking = asking the node about its peers
peers-none = This node has no peers: add them with `rogatory node add-peer`.
peers-column-node = NODE
peers-column-address = ADDRESS
peers-column-state = STATE
peers-column-last-contact = LAST CONTACT (UTC)
peers-column-queued = QUEUED
peers-column-oldest-queued = OLDEST QUEUED
peers-column-next-try = NEXT TRY
peers-column-log-seen = LOG SEEN
peers-column-last-error = LAST ERROR
peers-reachability-reachable = reachable
peers-reachability-unreachable = unreachable
peers-reachability-unknown = unknown
peers-queued-overdue = { $count } (overdue)
peers-misbehaving = WARNING: { $node } was caught misbehaving: { $what }. The node kept both signed checkpoints as evidence; tell the federation's secretariat.

whoami-asking = asking the node who it takes you to be
whoami-uid = uid { $uid }
whoami-user-and-uid = { $user } (uid { $uid })
whoami-node-account = , the account the node runs as
whoami-label-unix-user = Unix user:
whoami-label-contact-point = Contact point:
whoami-label-submissions = Submissions:
whoami-label-reading = Reading:
whoami-contact-point-none = none: this account is not among the node's [[contact_points]]
whoami-contact-points-not-configured = not configured on this node: what you send carries the name you give with --as (default: your Unix account), recorded as declared
whoami-declared-name = the name you declare
whoami-submissions-allowed = allowed, attributed to { $name }
whoami-submissions-refused = refused: { $reason }
whoami-allowed = allowed
whoami-refused = refused

identity-asking = asking the node for its identity
identity-node = Node { $node }
identity-label-fingerprint = fingerprint:
identity-label-public-key = public key:
identity-label-federation = federation:
identity-label-data-directory = data directory:
identity-label-audit-log = audit log:
identity-listening = listening on { $address }
identity-log-entries = { $count ->
    [one] { $count } entry
   *[other] { $count } entries
}
identity-no-peers = No peers yet: add them with `rogatory node add-peer`, then restart the node.
identity-peers = Peers ({ $count }): this node sends to and accepts messages from these nodes only
identity-column-fingerprint = FINGERPRINT
identity-add-this-node = Other nodes add this one with:
identity-label-log-key = audit log key:
