# The operator's commands: `rogatory status`, `backup`, `node restore`, `node renew-certificate`,
# `node rotate-key`, `man`.

status-asking = asking the node how it is
status-serving = Node { $node }: SERVING
status-not-serving = Node { $node }: NOT SERVING (peers' health checks fail; fix these first)
status-no-warnings = No warnings.
status-warnings = { $count ->
    [one] { $count } Warning:
   *[other] { $count } Warnings:
}
status-label-identity = Identity
status-label-uptime = Uptime
status-label-listening = Listening
status-label-log = Audit log
status-label-certificates = Certificates
status-label-disk = Disk
status-identity = { $node }, signing key fingerprint { $fingerprint }, rogatoryd { $version }
status-uptime = { $duration } (since { $since })
status-listening = { $address } (peers); operator socket in { $dir }
status-log = { $count ->
    [one] { $count } entry
   *[other] { $count } entries
}; newest signed checkpoint covers { $size } (checkpointer ran { $ago } ago)
status-certificate = { $name } ({ $subject }): valid until { $until }, { $left }
status-certificate-expired = EXPIRED
status-certificate-days-left = { $count ->
    [one] { $count } day left
   *[other] { $count } days left
}
status-disk = { $free } free of { $total } for { $dir }
status-no-peers = No peers: add them with `rogatory node add-peer`.
status-duration-seconds = { $seconds } s
status-duration-minutes = { $minutes } min
status-duration-hours = { $hours } h { $minutes } min
status-duration-days = { $days } days { $hours } h
status-size-gib = { $size } GiB

backup-asking = asking the node to back up into { $dir }
backup-no-directory = cannot resolve the backup directory
backup-written = Backup written to { $dir }: { $count ->
    [one] { $count } log entry
   *[other] { $count } log entries
} (newest checkpoint { $size }), { $mib } MiB.
backup-keys-separately = Back up the node's keys directory separately and securely (the backup holds no keys); restore with `rogatory node restore --from { $dir }` on a stopped node.

renew-written = New TLS certificate for { $node } in { $certificate } (key in { $key }).
renew-sighup = A running node picks it up on SIGHUP (`systemctl reload rogatoryd` or `kill -HUP $(pidof rogatoryd)`); peers need no change.
renew-demo-only = For the demo and tests only (the CA key was on this machine): a real node runs `rogatory node renewal-request`, and no private key moves.

rotate-key-written = New signing key for { $node } written to { $file } (not in use yet).
rotate-key-public-key = Public key:
rotate-key-fingerprint = Fingerprint:
rotate-key-read-by-telephone = Read the fingerprint to each governor by telephone. Then:
rotate-key-each-governor = each of k governors
rotate-key-in-force = Once that roster is in force, this node signs with the new key by itself; keep { $pending } in place until then.

restore-done = Restored { $count ->
    [one] { $count } log entry
   *[other] { $count } log entries
} into { $dir } (newest checkpoint { $size }).
restore-next-start = On its next start the node first asks its peers which checkpoint of its log they hold, and signs nothing new until each one is consistent with the restored log.

man-pages-written = Wrote { $count ->
    [one] { $count } manual page
   *[other] { $count } manual pages
} into { $dir }; read one with `man -l { $dir }/rogatory.1`.
man-cannot-create = cannot create { $dir }
man-cannot-write = cannot write manual pages into { $dir }
