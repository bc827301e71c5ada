# Failures the CLI reports itself (the node's own answers are quoted as they come).

errors-not-json = `rogatory { $command }` does not print JSON, so it does not take --json
errors-not-json-hint = leave out --json
errors-usage-hint = `rogatory --help` and `rogatory COMMAND --help` list the commands and options

# The frame of every failure: `error: …` then `hint: …` on stderr.
errors-error-line = error: { $text }
errors-hint-line = hint: { $hint }

# The node's answer on its operator socket; the node wrote { $message } in the reader's language.
errors-node-answered = the node answered { $code }: { $message }
errors-node-unreachable = cannot reach the node's operator socket { $path }: { $detail }. Is `rogatoryd` running with this data directory, and are you its user?
errors-config-unreadable = cannot read configuration file { $path }
errors-config-malformed = configuration file { $path } is not valid: { $detail }
errors-config-invalid-one = configuration file { $path }: { $problem }
errors-config-invalid = configuration file { $path }: { $count ->
        [one] 1 problem:
       *[other] { $count } problems:
    }

# Operating-system errors as people read them (English keeps the system's own words).
errors-os-not-found = No such file or directory
errors-os-permission-denied = Permission denied
errors-os-connection-refused = Connection refused
errors-os-already-exists = File exists
errors-os-is-a-directory = Is a directory
errors-os-not-a-directory = Not a directory
errors-os-storage-full = No space left on device

# Hints: what to do next.
errors-hint-request-format = run `rogatory request template` for the format
errors-hint-inform-fields = spontaneous information needs a non-empty --subject, --text and author (--as); --purpose is required with --restriction stated-purpose-only, and --confidential-until YYYY-MM-DD is allowed only with --restriction confidential; `rogatory inform --help` describes every option
errors-hint-consult-fields = a consultation message needs a non-empty --text and author (--as), and --answers takes the message id of the consultation it answers (`rogatory inbox` lists them); `rogatory consult --help` describes every option
errors-hint-socket-permission = the socket's mode or group keeps your account out: the node's operator sets [operator_socket] group and path in node.toml (see config/node.example.toml) and adds you to that group; log in again after being added
errors-hint-start-node = start the node with `rogatoryd --config NODE_DIR/node.toml`, or point to a running one with --node NODE_DIR (or ROGATORY_NODE) or --socket PATH
errors-hint-config-missing = pass --node with the node's directory or its node.toml, or set ROGATORY_NODE; `rogatory node create` makes a node directory
errors-hint-config-keys = config/node.example.toml describes every key of node.toml
errors-hint-directory-exists = the existing directory may hold private keys: remove it only if you are sure it is no longer in use
errors-hint-not-found = `rogatory inbox` and `rogatory outbox` list message ids; `rogatory node identity` lists the nodes this node can send to
errors-hint-invalid-argument = the node's message names what it refused; `--help` after the command describes each option
errors-hint-node-unavailable = the node could not store the message; its operator finds the cause in the node's log (stderr of rogatoryd)
errors-hint-permission-denied = `rogatory whoami` shows how your node identifies you. The node's operator maps accounts to names in node.toml under [[contact_points]] (see config/node.example.toml) and restarts the node
errors-hint-version-mismatch = the node runs a different version of Rogatory than this command

# Option values the command line refuses (clap names the option).
errors-no-translation = no translation into "{ $text }"; use en or ru
errors-date-forms = write a day such as 2026-03-01 (00:00 UTC) or an RFC 3339 date and time such as 2026-03-01T09:30:00Z or 2026-03-01T11:30:00+02:00
errors-date-not-a-date = "{ $text }" is not a date
errors-date-invalid = "{ $text }" is not a date ({ $problem })
errors-date-no-day = "{ $text }" has no date
errors-date-no-zone = "{ $text }" has no time zone; add Z for UTC or an offset, as in 2026-03-01T09:30:00Z or 2026-03-01T11:30:00+02:00
errors-date-before-epoch = "{ $text }" is before 1970-01-01T00:00:00Z; give a later time

# What a command was doing when it failed (the first words of the error line).
errors-doing-submit-request = submitting the request to { $peer }
errors-doing-submit-update = submitting the status update on { $id }
errors-doing-send-information = sending spontaneous information to { $peer }
errors-doing-answer-consultation = answering consultation message { $id }
errors-doing-send-consultation = sending a consultation message to { $peer }
errors-doing-look-up-message = looking up message { $id }
errors-doing-look-up-case = looking up case { $id }
errors-doing-list-inbox = listing the inbox
errors-doing-list-outbox = listing the outbox
errors-doing-list-cases = listing the cases
errors-doing-ask-identity = asking the node who it is
errors-doing-ask-attachment = asking the node about { $file }
errors-doing-upload = uploading { $file } to the node
errors-doing-fetch-attachment = fetching attachment { $sha256 } of case { $case }
errors-request-file-unreadable = cannot read request file { $path }
errors-request-file-invalid = request file { $path } is not valid
errors-cannot-read = cannot read { $path }
errors-cannot-create = cannot create { $path }
errors-cannot-create-in = cannot create a file in { $path }
errors-cannot-write = cannot write { $path }
errors-cannot-replace = cannot replace { $path }
errors-not-pem = { $file } is not PEM: { $detail }
errors-not-x509 = { $file } is not an X.509 certificate: { $detail }

# Evidence files: uploads and fetches.
errors-upload-stopped = the upload of { $file } stopped at byte { $at } of { $size }
errors-upload-stopped-hint = run the command again: it resumes where the node's copy ends
errors-not-a-sha256 = "{ $text }" is not a SHA-256 in hex
errors-not-a-sha256-hint = `rogatory case show { $case }` lists the attachments with their hashes
errors-out-exists = { $path } exists already
errors-out-appeared = { $path } appeared while the attachment was fetched
errors-out-exists-hint = choose another --out path; nothing is overwritten

# A value the protocol does not have, with the ones it has.
errors-unknown-assistance-type = unknown assistance type "{ $text }"; use one of: { $names }
errors-unknown-person-role = unknown person role "{ $text }"; use one of: { $names }
errors-unknown-proceedings-stage = unknown proceedings stage "{ $text }"; use one of: { $names }
errors-unknown-request-status = unknown request status "{ $text }"; use one of: { $names }
errors-unknown-delivery-state = unknown delivery state "{ $text }"; use one of: { $names }
errors-unknown-request-state = unknown request state "{ $text }"; use one of: { $names }
errors-unknown-refusal-ground = unknown refusal ground "{ $text }"; use one of: { $names }
errors-unknown-use-restriction = unknown use restriction "{ $text }"; use one of: { $names }
errors-unknown-thread-state = unknown thread state "{ $text }"; use one of: { $names }
errors-unknown-attention-reason = unknown attention reason "{ $text }"; use one of: { $names }
