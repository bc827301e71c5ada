# The auditor's commands: `rogatory log verify`, `log checkpoint`, `audit export`, `audit verify`,
# `audit prove`, `audit check-proof`, `audit consistency`, `audit check-consistency`,
# `audit cross-check`. A failure's reason (which entry, which hash) comes from the verifier as is.

audit-asking-verify = asking the node to verify its audit log
audit-asking-checkpoint = asking the node for its newest checkpoint
audit-asking-export = asking the node to export its audit log
audit-receiving = receiving the node's audit log
audit-log-ok = audit log OK: { $count ->
    [one] { $count } entry
   *[other] { $count } entries
}, head { $head }
audit-log-empty = (empty log)
audit-log-failed = audit log FAILED at entry { $index }: { $failure }
audit-no-checkpoint-yet = The node has not signed a checkpoint yet; it does so within seconds of start.
audit-checkpoint-covers = (covers { $count ->
    [one] { $count } entry
   *[other] { $count } entries
}; cosigned by { $cosigners })
audit-checkpoint-no-cosigner-yet = no peer yet

audit-export-written = wrote audit bundle of node { $node } to { $dir }: { $entries ->
    [one] { $entries } entry
   *[other] { $entries } entries
}, { $checkpoints ->
    [one] { $checkpoints } checkpoint
   *[other] { $checkpoints } checkpoints
}, { $keys } keys
audit-export-manifest = manifest (exported { $exported })
audit-export-keys = verifier keys: { $node } first, then its peers
audit-export-entries = the log entries, exactly as stored
audit-export-checkpoints = the signed checkpoints, with cosignatures
audit-export-check-offline = check it offline with: rogatory audit verify { $dir }

audit-bundle-failed-at = bundle FAILED at entry { $index }: { $failure }
audit-bundle-failed = bundle FAILED: { $failure }
audit-bundle-no-checkpoint = no checkpoint yet
audit-bundle-latest = latest covers { $count ->
    [one] { $count } entry
   *[other] { $count } entries
}, cosigned by { $cosigners }
audit-bundle-no-cosigner = no peer
audit-bundle-ok = bundle OK: { $entries ->
    [one] { $entries } entry
   *[other] { $entries } entries
} ({ $sent } sent, { $received } received, { $issued } receipts issued, { $obtained } receipts obtained, { $other } other), { $checkpoints ->
    [one] { $checkpoints } checkpoint
   *[other] { $checkpoints } checkpoints
}, { $latest }; { $uncovered ->
    [one] { $uncovered } entry
   *[other] { $uncovered } entries
} after the latest checkpoint
audit-bundle-node-key = node { $node } signs with { $key } (compare with the key its operator publishes)
audit-bundle-keys-pinned = keys pinned by --peer-keys: { $nodes }
audit-bundle-keys-on-trust = keys taken on trust from the bundle's keys.txt: { $nodes } (pin them with --peer-keys FILE, keys obtained from each node's operator)

audit-no-proof-written = no proof written: the bundle does not verify
audit-proof-written = (entry { $index } of node { $node }'s log, against its checkpoint of { $count ->
    [one] { $count } entry
   *[other] { $count } entries
})
audit-proof-ok = proof OK: the entry is entry { $index } of log { $origin }, in its signed checkpoint of { $count ->
    [one] { $count } entry
   *[other] { $count } entries
}
audit-proof-failed = proof FAILED: { $failure }
audit-consistency-written = (node { $node }'s log at { $new ->
    [one] { $new } entry
   *[other] { $new } entries
} extends its log at { $old ->
    [one] { $old } entry
   *[other] { $old } entries
})
audit-consistency-ok = consistency OK: log { $origin } at { $new ->
    [one] { $new } entry
   *[other] { $new } entries
} extends its signed checkpoint of { $old ->
    [one] { $old } entry
   *[other] { $old } entries
}
audit-consistency-failed = consistency FAILED: { $failure }

audit-cross-check-bundle-failed = cross-check FAILED: { $node }'s { $sentence }
audit-cross-check-nothing-compared = nothing was compared: each bundle must verify on its own first
audit-cross-check-ok = cross-check OK: { $matched_a ->
    [one] { $matched_a } receipt
   *[other] { $matched_a } receipts
} of { $a } matched in { $b }'s log, { $matched_b ->
    [one] { $matched_b } receipt
   *[other] { $matched_b } receipts
} of { $b } matched in { $a }'s log
audit-cross-check-failed = cross-check FAILED: { $count ->
    [one] { $count } discrepancy
   *[other] { $count } discrepancies
} between { $a } and { $b }

audit-no-checkpoint-of-size = the bundle has no checkpoint of size { $size }
audit-no-checkpoint-of-size-hint-prove = leave out --checkpoint to use the newest one that covers the entry; the bundle's checkpoints/ directory lists the sizes
audit-no-checkpoint-of-size-hint = the bundle's checkpoints/ directory lists the sizes (<size>.note)
audit-no-checkpoint-covers = no checkpoint in the bundle covers entry { $index }
audit-no-checkpoint-covers-hint = the node signs a checkpoint within seconds of its log growing: export again later
audit-checkpoint-too-small = the checkpoint of size { $size } does not cover entry { $index }
audit-checkpoint-too-small-hint = choose a larger checkpoint, or leave out --checkpoint
audit-old-larger-than-new = the old size { $old } is larger than the new size { $new }
audit-old-larger-than-new-hint = give the older (smaller) checkpoint first
audit-same-node = both bundles are of node { $node }
audit-same-node-hint = give the bundles of two nodes that exchanged messages
audit-cannot-read = cannot read { $file }
audit-cannot-write = cannot write { $file }

# `audit verify --roster` and `audit rosters`: signatures judged by the federation's roster history.
audit-roster-history-hint = get the federation's rosters from its governors (armored, genesis first) and compare the genesis SHA-256 with them by telephone; `rogatory audit rosters BUNDLE --out FILE` writes the ones a node recorded
audit-roster-cannot-judge = { $file }: cannot judge { $node }'s bundle by it: { $error }
audit-roster-place-entry = entry { $index } ({ $kind })
audit-roster-place-cosignature = cosignature on checkpoint { $size }
audit-roster-place-checkpoint = checkpoint { $size }
audit-roster-with-key = with key { $fingerprint }
audit-roster-with-no-key = with no key of the history
audit-roster-signed = { $place } signed by { $node } { $key }, dated { $date }: { $why }
audit-roster-failure = { $signatures ->
    [one] { $signatures } signature
   *[other] { $signatures } signatures
} not by a key the roster history gives its signer at its date, { $rosters ->
    [one] { $rosters } recorded roster
   *[other] { $rosters } recorded rosters
} not part of the history
audit-roster-named = NAMED
audit-roster-node-key = node { $node } signs with { $key } per keys.txt; every signature was judged by the roster history, not by keys.txt
audit-roster-history = roster history of federation { $federation }: genesis sha256 { $genesis } (compare it with the governors' by telephone)
audit-roster-history-file = from { $file }: { $serials }; newest in the history: roster { $newest }
audit-roster-none-applied = the log records no roster applied
audit-roster-a-roster = a roster
audit-roster-serial = roster { $serial }
audit-roster-serials = rosters { $first } to { $last }
audit-roster-no-roster = no roster
audit-roster-applied-named = entry { $index } (ROSTER_APPLIED) { $serial }: { $why }
audit-roster-applied-extends = entry { $index } applied { $serial }: verified as a successor, added to the history
audit-roster-applied-own = entry { $index } applied { $serial }: the history's own
audit-rosters-none = { $node }'s log records no roster applied
audit-rosters-none-hint = a node records each roster it puts in force; this one is not governed by a roster ([federation] roster in node.toml) or was exported before it applied one
audit-rosters-invalid = entry { $index } (ROSTER_APPLIED) holds no valid roster: { $error }
audit-rosters-invalid-hint = verify the bundle with `rogatory audit verify`; the log may have been altered
audit-rosters-written = wrote { $count ->
    [one] { $count } roster
   *[other] { $count } rosters
} that { $node }'s log records as applied to { $out }:
audit-rosters-entry = entry { $index }: roster { $serial } of federation { $federation }, issued { $issued }, sha256 { $sha256 }
audit-rosters-not-a-history = these rosters do not form a history from a genesis ({ $why }): ask the governors for the whole history
audit-rosters-genesis = genesis sha256 { $genesis }: compare it with the governors' by telephone before judging any bundle by this file

audit-export-invalid-key = the node sent an invalid public key for { $node }
audit-export-no-identity = the node's export did not start with its identity
audit-export-out-of-order = the node sent entry { $index } where entry { $expected } was due
audit-export-unexpected-chunk = the node's export holds an unexpected chunk
audit-cannot-build-proof = cannot build the proof
