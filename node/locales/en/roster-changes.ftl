# What one roster changes from another (`rogatory federation propose`, `sign`, `show`, `diff`):
# each phrase completes "Compared with roster N, it:". The roster's own words (names,
# authorities, reasons) are shown as written.

roster-change-federation-renamed = renames the federation from "{ $from }" to "{ $to }"
roster-change-reissued = is serial { $serial }, issued { $issued }, valid until { $expires }
roster-change-adds-member = adds member { $node } ({ $country }, { $authority }) at { $addresses }
roster-change-adds-member-key = , signing key { $key }
roster-change-removes-member = removes member { $node }
roster-change-country = changes { $node }'s country from { $from } to { $to }
roster-change-authority = changes { $node }'s authority from "{ $from }" to "{ $to }"
roster-change-addresses = changes { $node }'s addresses from { $from } to { $to }
roster-change-adds-key = adds signing key { $key } for { $node }, valid from { $from }
roster-change-retires-key = retires { $node }'s signing key { $key } at { $at } (what it signed before stays valid)
roster-change-revokes-key = revokes { $node }'s signing key { $key } since { $since }: { $reason }
roster-change-rewrites-key = rewrites the dates of { $node }'s signing key { $key }
roster-change-removes-key = removes { $node }'s signing key { $key }
roster-change-adds-governor = adds governor { $name } ({ $key })
roster-change-removes-governor = removes governor { $name } ({ $key })
roster-change-renames-governor = renames governor { $key } from "{ $from }" to "{ $to }"
roster-change-threshold = changes the threshold from { $from } of { $from_of } to { $to } of { $to_of }
roster-change-adds-ca = adds the certificate authority with SHA-256 { $sha }
roster-change-removes-ca = removes the certificate authority with SHA-256 { $sha }
roster-change-revokes-certificate = revokes the TLS certificate with serial { $serial } since { $since }: { $reason }
roster-change-drops-revocation = no longer lists the revoked TLS certificate with serial { $serial }
