# The contact-point directories: `rogatory directory search` and `directory show`. What a peer's
# directory says (names, authorities, languages, hours) is shown as written.

directory-label-languages = languages
directory-label-crimes = crimes
directory-label-measures = measures
directory-label-office-hours = office hours
directory-label-urgent-channel = urgent channel
directory-label-email = e-mail
directory-label-source = source
directory-source = { $node } (directory published { $published })
directory-searching = searching the peers' contact-point directories
directory-no-match = No contact point matches.
directory-from-cache = { $node }: from the cache fetched { $cached } (verified again now)
directory-unknown-time = at an unknown time
directory-peer-not-asked = ; the peer could not be asked: { $problem }
directory-fetched = { $node }: fetched now and verified
directory-unavailable = { $node }: no directory available: { $problem }
directory-unknown-reason = unknown reason
directory-asking = asking the node for its contact-point directory
directory-none-published = This node publishes no contact points: name a directory file with `directory = "directory.toml"` in node.toml (see config/directory.example.toml) and restart it.
