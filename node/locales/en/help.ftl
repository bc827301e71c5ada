# The command line's help in English, GENERATED from cli/src/args.rs (the doc comments
# and attributes there are the source): do not edit. Regenerate with
#   ROGATORY_BLESS=1 cargo test -p rogatory-cli help::
# and translate what changed in the other languages' help.ftl.

help = Send and track mutual legal assistance (MLA) requests between countries' Rogatory nodes

help-long =
    Send and track mutual legal assistance (MLA) requests between countries' Rogatory nodes.

    Each country runs a node (rogatoryd). Nodes exchange signed messages over mutual TLS; the receiving node answers every message with a signed receipt, and every node keeps a tamper-evident audit log. This command talks to your own node through its operator socket.

      Contact points:  request, case, status, inbox, outbox, message, whoami
      Operators:       status, ca, node, peers, backup, completions, man
      Governors:       federation (the roster: who is in the federation, with which keys)
      Auditors:        log, audit
      Try it out:      demo (three nodes on this machine, no set-up needed)

    Commands that talk to a node find it with --node (a node directory or its node.toml; default: the current directory) or --socket.

help-after =
    Examples:
      rogatory demo                                     see a request travel from tm to de
      rogatory request template > my-request.toml       start a new request
      rogatory --node /srv/rogatory/tm request send my-request.toml --as "A. Berdiyev"
      rogatory --node /srv/rogatory/tm inbox
      rogatory --node /srv/rogatory/tm case list --open --overdue
      rogatory --node /srv/rogatory/tm log verify

    Exit codes:
      0   success (for send commands: delivered, with a signed receipt)
      1   error (the message says what went wrong; nothing was sent unless it says so)
      2   `log verify`, `audit verify`, `audit check-proof`, `audit check-consistency`: the log or
          proof did not verify; `audit cross-check`: a bundle did not verify or the two disagree
      3   `request send` / `status send`: accepted and stored by your node, but not yet delivered
      4   `status`: the node is not serving (the reasons are listed)
      64  the command line itself is wrong (unknown option, missing argument), or --json given to
          a command whose output is not JSON (`request template`, `completions`)

    With --json, a failure prints one JSON object on stderr, with the same exit code:
    {"  {"}"error": {"{"}"code": "not-found", "message": "...", "hint": "..."{"}"}{"}"}
    Its code is one of: usage, invalid-argument, request-file-invalid (with "problems": line,
    key, message), not-found, ambiguous-id, not-allowed-now, already-exists, permission-denied,
    node-config-missing, node-config-invalid, node-unreachable, node-unavailable,
    version-mismatch, node-error, file-error, failed. Every time in JSON is RFC 3339 UTC with
    milliseconds (2026-12-07T21:58:28.123Z).

help-arg-node = The node to talk to: its directory (holding node.toml) or its node.toml

help-arg-socket = The node's operator socket, if not the one --node's configuration names (by default <data_dir>/operator.sock); for contact points who cannot read node.toml

help-arg-json = Print machine-readable JSON instead of text

help-arg-lang = The language to speak: en or ru (default: from LC_ALL, LC_MESSAGES or LANG, else en)

help-request = Write and send formal MLA requests [contact points]

help-request-template = Print a commented request file to fill in

help-request-template-after =
    Example:
      rogatory request template > my-request.toml

help-request-send = Sign and send the request described in a request file

help-request-send-long =
    Sign and send the request described in a request file.

    The file is checked before anything is sent: an unknown key, a wrong value or a missing required field is reported with its line. Your node then signs the request, records it in its audit log and delivers it; the receiving node answers with a signed receipt.

help-request-send-after =
    Examples:
      rogatory request send my-request.toml --as "A. Berdiyev, prosecutor"
      rogatory --node /srv/rogatory/tm request send config/requests/trafficking-evidence.toml

    Exit code 0: delivered, with a signed receipt. Exit code 3: stored and signed by your node but not yet delivered (see `rogatory outbox`); do not send it again.

help-request-send-arg-file = The request file (TOML); `rogatory request template` shows the format

help-request-send-arg-name = Your name, recorded in the audit log as the person who submitted it [default: the node names you: your contact-point name, else your Unix account]

help-status = Is my node all right? [operators]; `status send`: tell the other side where a request stands [contact points]

help-status-long =
    Without a subcommand: one screen that answers "is my node all right?" [operators]. Problems come first: why the node is not serving (peers' health checks fail) and warnings (certificates near expiry, peers unreachable, overdue messages, low disk, misbehaving peers); then identity, uptime, addresses, audit log and last checkpoint, certificate dates, disk space and each peer.

    `status send`: tell the other side where a request stands [contact points].

help-status-after =
    Examples:
      rogatory --node /srv/rogatory/tm status
      rogatory --node /srv/rogatory/tm status --json     (for monitoring scripts)

    Exit code 0: serving (warnings may be listed). Exit code 4: not serving.

help-status-send = Send a status update on a request, e.g. that you acknowledged or accepted it

help-status-send-long =
    Send a status update on a request.

    The update goes to the other party of the request, in the same case, and moves the request along its lifecycle. Only the requested side acknowledges, assesses (under-review, additional-information-requested, consultation, accepted, postponed, refused) and executes (in-execution, partially-executed, executed); only the requesting side supplements, withdraws, and closes an executed request. Your node refuses an update that is not allowed from where the request stands and names what is allowed; `rogatory message show REQUEST_ID` shows where it stands.

    A refusal needs --ground (UNTOC art. 18(21)) and the reasons in --note (art. 18(23)). Bank secrecy alone is no ground (art. 18(8)).

help-status-send-after =
    Examples:
      rogatory status send --refers-to 01JZ3K6W8Y2C9D0E1F2G3H4J5K --status acknowledged
      rogatory status send --refers-to 01JZ3K6W8Y2C9D0E1F2G3H4J5K --status refused --ground essential-interests --note "Reasons: ..."

    Exit code 0: delivered. Exit code 3: stored but not yet delivered.

help-status-send-arg-refers_to = The message id of the request (`rogatory inbox` lists them)

help-status-send-arg-status = The new status

help-status-send-arg-ground = The ground of a refusal (UNTOC art. 18(21)); required with `--status refused` and only then

help-status-send-arg-note = An explanation for the other side (the reasons for a refusal, what is missing, ...); required with `--status refused`

help-status-send-arg-reference = Your own reference for the request in your national system (file or case number), sent to the other side once; the case keeps it for later updates

help-status-send-arg-name = Your name, recorded as the update's author [default: the node names you: your contact-point name, else your Unix account]

help-case = Case threads: requests, replies and deadlines, grouped by case [contact points]

help-case-list = Your node's cases, most recent activity first, with what is due next

help-case-list-long =
    Your node's cases, most recent activity first.

    A case is every message with one case id: the requests, both sides' status updates and their receipts. For each case: the other parties, where each request stands, the next deadline and whether one has passed. Deadlines run from the request's creation; by default: acknowledge within 7 days (urgent: 24 hours), decide within 30 days (urgent: 3 days), execute within 90 days (urgent: 14 days); the node's `[deadlines]` section may set others. They are reminders, not legal time limits: nothing is refused when one passes. Overdue is judged as of now by the node's clock, or as of --as-of; the output says which.

help-case-list-after =
    Examples:
      rogatory case list
      rogatory case list --open --overdue
      rogatory case list --overdue --as-of 2026-03-01
      rogatory case list --urgent --peer de
      rogatory case list --json

help-case-list-arg-open = Only cases with a request that is not refused, withdrawn or closed

help-case-list-arg-overdue = Only cases with a request past one of its deadlines

help-case-list-arg-urgent = Only cases with an urgent request

help-case-list-arg-peer = Only cases shared with this peer (its node id, e.g. de)

help-case-list-arg-limit = Show at most this many cases (the node's default is 100)

help-case-list-arg-as_of = Judge deadlines as of this time instead of now: a day (2026-03-01, meaning 00:00 UTC) or an RFC 3339 date and time (2026-03-01T09:30:00Z, 2026-03-01T11:30:00+02:00)

help-case-show = A case's whole thread: its requests with their deadlines, and every message in order

help-case-show-long =
    A case's whole thread.

    First each request of the case: where it stands and its deadlines (settled, pending or OVERDUE). Then the timeline, oldest first: when, from which node to which, who (the request's signatory or the update's author), what (the request, or the status reported, with its ground and note) and the receipt that proves the other node stored it.

help-case-show-after =
    Examples:
      rogatory case show tm-2026-0001
      rogatory case show tm-2026-0001 --json
      rogatory case show tm-2026-0001 --as-of 2026-03-01

help-case-show-arg-case_id = The case id (`rogatory case list` lists them)

help-case-show-arg-as_of = Judge deadlines as of this time instead of now: a day (2026-03-01, meaning 00:00 UTC) or an RFC 3339 date and time (2026-03-01T09:30:00Z)

help-case-read = Mark every message of a case read: none is new for you any more

help-case-read-after =
    Example:
      rogatory case read tm-2026-0001

help-case-read-arg-case_id = The case id (`rogatory case list` lists them)

help-case-reply = Reply in a case: send a status update on its open request

help-case-reply-long =
    Reply in a case: send a status update on its open request.

    The same as `rogatory status send`, aimed at the case's request so you need not copy its message id. If the case has several open requests, name one with --refers-to. The lifecycle rules are those of `status send`: the requested side acknowledges, assesses and executes; the requesting side supplements, withdraws and closes. A refusal needs --ground (UNTOC art. 18(21)) and the reasons in --note (art. 18(23)).

help-case-reply-after =
    Examples:
      rogatory case reply tm-2026-0001 --status acknowledged --as "B. Schmidt"
      rogatory case reply tm-2026-0001 --status additional-information-requested --note "Please send the bank's address."
      rogatory case reply tm-2026-0001 --status supplemented --note "Address: ..."
      rogatory case reply tm-2026-0001 --refers-to 01JZ3K6W8Y2C9D0E1F2G3H4J5K --status refused --ground essential-interests --note "Reasons: ..."

    Exit code 0: delivered. Exit code 3: stored but not yet delivered.

help-case-reply-arg-case_id = The case id (`rogatory case list` lists them)

help-case-reply-arg-refers_to = The request the reply is about, if the case has several open ones

help-case-reply-arg-status = The new status

help-case-reply-arg-ground = The ground of a refusal (UNTOC art. 18(21)); required with `--status refused` and only then

help-case-reply-arg-note = An explanation for the other side; required with `--status refused`

help-case-reply-arg-reference = Your own reference for the request in your national system (file or case number), sent to the other side once; the case keeps it for later updates

help-case-reply-arg-name = Your name, recorded as the update's author [default: the node names you: your contact-point name, else your Unix account]

help-case-reply-arg-attach = An evidence file to send with the reply; repeat for several. Each is uploaded to your node (resuming an interrupted upload) and bound into the signed update by its SHA-256; the other node issues its receipt only once every file arrived intact

help-case-fetch-attachment = Save an attachment of a case to a file, checking its SHA-256

help-case-fetch-attachment-long =
    Save an attachment of a case to a file.

    The file comes out of your node's attachment store: files your node sent, and files a peer sent with a request or reply in the case (the peer's message was receipted only after each file's SHA-256 matched). The hash is checked again as the file is written; it is written to FILE.part and renamed to FILE only if it matches. An existing FILE is never overwritten.

help-case-fetch-attachment-after =
    Example:
      rogatory case fetch-attachment tm-2026-0001 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 --out statement.pdf

help-case-fetch-attachment-arg-case_id = The case id (`rogatory case list` lists them)

help-case-fetch-attachment-arg-sha256 = The attachment's SHA-256, 64 hex digits (`rogatory case show` lists them)

help-case-fetch-attachment-arg-out = Where to write the file

help-case-print = Print a case as a PDF: every request, reply and consultation in order, with verification

help-case-print-long = Print a case as a PDF for the paper file or a court: a list of its messages, then each one in full, oldest first (a request laid out as a letter of request, in the order of UNTOC art. 18(15); status updates, consultations and information with their authors), each with its attachments (name, size, SHA-256) and a verification block: the sending and receiving nodes, the signing key's fingerprint, the receipt's time and log positions, and a verification code for `rogatory audit check-document`. Headings in your language (--lang); what people wrote is printed as written. FILE must not exist.

help-case-print-after =
    Example:
      rogatory case print tm-2026-0001 --out tm-2026-0001.pdf
      rogatory --lang ru case print tm-2026-0001 --out дело.pdf

help-case-print-arg-case_id = The case id (`rogatory case list` lists them)

help-case-print-arg-out = The PDF file to write (a new file ending in .pdf)

help-search = Find cases by words: names, subjects, facts, case numbers, in Cyrillic or Latin [contact points]

help-search-long =
    Find cases by the words of their messages.

    Searched: the subject of requests, consultations and spontaneous information, the summary of facts, the names of persons, offences and their legal provisions, both sides' national case numbers, the text of consultations, information and status notes, the names of authorities, and the parties' node ids. A case is listed when it holds every word given. Case and script do not matter: Атаев, Ataev, Atayev and ATAEV find each other, as do the usual spellings of Central-Asian names (Юсупов, Yusupov, Iusupov; Ходжаев, Khodjaev, Xojayev). A word finds every word it begins: Атае finds Атаев.

    The newest match comes first, with the case's title, its case numbers, the other party, where its request stands and where the words were found.

help-search-after =
    Examples:
      rogatory search Атаев
      rogatory search Ataev fraud --peer de
      rogatory search 115/2026
      rogatory search Юсуп --state under-review --since 2026-01-01
      rogatory search трафик --type take-evidence --json

help-search-arg-words = The words to find (every one of them), in Cyrillic or Latin

help-search-arg-peer = Only messages exchanged with this peer (its node id, e.g. de)

help-search-arg-state = Only requests now in this state, and the messages about them (e.g. under-review)

help-search-arg-assistance = Only requests asking this kind of assistance, and the messages about them (e.g. take-evidence)

help-search-arg-direction = Only messages received (in) or sent (out) by this node; the words may be in any message of the case

help-search-arg-kind = Only messages of this kind; the words may be in any message of the case

help-search-arg-since = Only messages created on or after this day (YYYY-MM-DD, UTC)

help-search-arg-until = Only messages created on or before this day (YYYY-MM-DD, UTC)

help-search-arg-limit = Show at most this many cases (the node's default is 20)

help-inbox = Messages your node received, newest first [contact points]

help-inbox-after =
    Examples:
      rogatory inbox
      rogatory inbox --limit 10 --json

help-inbox-arg-limit = Show at most this many messages (the node's default is 100)

help-inbox-arg-new = Inbox only: only the messages you have not seen (`message show`, `case show`) or marked read (`message read`, `case read`)

help-outbox = Messages your node sent, newest first, with their delivery state [contact points]

help-outbox-after =
    Examples:
      rogatory outbox

    A message in state `queued` was signed and stored but the recipient has not confirmed receiving it.

help-outbox-arg-limit = Show at most this many messages (the node's default is 100)

help-outbox-arg-new = Inbox only: only the messages you have not seen (`message show`, `case show`) or marked read (`message read`, `case read`)

help-message = Show one message in full [contact points, auditors]

help-message-show = Show a message: envelope, request or status update, and the signed receipt

help-message-show-after =
    Example:
      rogatory message show 01JZ3K6W8Y2C9D0E1F2G3H4J5K

help-message-show-arg-id = The message id (`rogatory inbox` and `rogatory outbox` list them)

help-message-print = Print a message as a PDF: the formal document, its attachments and its verification

help-message-print-long = Print a message as a PDF for the paper file or a court. A request is laid out as a letter of request, in the order of UNTOC art. 18(15); every message lists its attachments (name, size, SHA-256) and ends with a verification block: the sending and receiving nodes, the signing key's fingerprint, the receipt's time and log positions, and a verification code with which anyone holding the document and this node's audit bundle can check it (`rogatory audit check-document`). Headings in your language (--lang); what people wrote is printed as written. FILE must not exist.

help-message-print-after =
    Example:
      rogatory message print 01JZ3K6W8Y2C9D0E1F2G3H4J5K --out request.pdf

help-message-print-arg-id = The message id (`rogatory inbox` and `rogatory outbox` list them)

help-message-print-arg-out = The PDF file to write (a new file ending in .pdf)

help-message-read = Mark messages read: they are no longer new for you (`rogatory attention`, `inbox --new`)

help-message-read-after =
    Example:
      rogatory message read 01JZ3K6W8Y2C9D0E1F2G3H4J5K

help-message-read-arg-ids = The message ids

help-inform = Send spontaneous information (UNTOC art. 18(4)) with restrictions on its use, outside any request [contact points]

help-inform-long = Send information the other state did not ask for (UNTOC art. 18(4)), with the restrictions on its use that you impose (18(5)). It is filed under a case (a new one unless --case is given) but has no lifecycle: nobody acknowledges, accepts or refuses it, and no status update may refer to it.

help-inform-after =
    Examples:
      rogatory inform --to de --subject "Cash couriers" --text "Two couriers left on 3 March." --restriction confidential --confidential-until 2026-12-31 --restriction no-onward-transmission

    Exit code 0: delivered. Exit code 3: stored and signed but not yet delivered; do not send it again.

help-inform-arg-to = Node id of the receiving state's node

help-inform-arg-copy_to = Opening a multi-party case (a joint investigation team): another party's node that receives a copy; repeat for several. Later messages of the case go to every party

help-inform-arg-subject = What the information is about

help-inform-arg-text = The information itself

help-inform-arg-restrictions = A restriction on its use; repeat for several

help-inform-arg-purpose = The purpose it may be used for (required with stated-purpose-only)

help-inform-arg-confidential_until = With the confidential restriction: the date (YYYY-MM-DD) until which it stays confidential

help-inform-arg-condition = Further conditions on its use, free text

help-inform-arg-case_id = File it under this case [default: a new case]

help-inform-arg-name = Your name, recorded as its author and in the audit log [default: the node names you: your contact-point name, else your Unix account]

help-consult = Send an informal consultation message to another state's contact point [contact points]

help-consult-long = Direct consultation: an informal message between contact points, for instance before a formal request is drafted. Messages are filed under a case (a new one unless --case or --answers is given); a formal request later sent with `case_id` of that case follows them in `rogatory case show`. Consultations have no lifecycle; the case's consultation thread is open, answered (another party replied) or closed by a party (--close).

help-consult-after =
    Examples:
      rogatory consult --to de --text "Would you need a court order for bank records?"
      rogatory consult --to tm --answers 01J... --text "Yes, a court order."
      rogatory consult --to tm --case tm-01J... --close --text "Thank you; nothing further."

help-consult-arg-to = Node id of the other state's node [default with --answers: the node that message was exchanged with]

help-consult-arg-copy_to = Opening a multi-party case (a joint investigation team): another party's node that receives a copy; repeat for several. Later messages of the case go to every party

help-consult-arg-text = The message

help-consult-arg-subject = What it is about, shown as its title in lists [default with --answers: the subject of the message it answers]

help-consult-arg-case_id = File it under this case [default: the case of --answers, else a new case]

help-consult-arg-answers = The consultation message this one answers

help-consult-arg-close = Close the case's consultation thread with this message: the other parties see it closed by you (a later message opens it again). Needs --case or --answers

help-consult-arg-name = Your name, recorded as its author and in the audit log [default: the node names you: your contact-point name, else your Unix account]

help-ca = Create the federation's certificate authority [operators]

help-ca-create = Create the federation CA, which certifies every node's TLS identity

help-ca-create-long =
    Create the federation CA, which certifies every node's TLS identity.

    One CA serves the whole federation. Its certificate goes to every node; its private key signs node certificates and must stay offline.

help-ca-create-after =
    Example:
      rogatory ca create --dir ./federation-ca --name "CASC network CA"

help-ca-create-arg-dir = Directory to create the CA in (created if missing; an existing CA is never replaced)

help-ca-create-arg-name = The CA's name, shown in certificates

help-ca-issue = Issue a node certificate from a join request (no private key involved)

help-ca-issue-long =
    Issue a node certificate from a join request (from `rogatory node init` or `rogatory node renewal-request`).

    The request's signature (by the signing key it carries) and its certificate signing request are verified; the request is shown with the fingerprints to compare with the node's operator by telephone. The CA sets the certificate's contents itself (only the node id as DNS name). The output file holds only public material: the node certificate, then the CA certificate.

help-ca-issue-after =
    Examples:
      rogatory ca issue kz-join-request.txt --ca ./federation-ca --out kz.certificate.pem
      rogatory ca issue tm-renewal-request.txt --ca ./federation-ca --roster federation.roster

help-ca-issue-arg-join_request = The join request file (armored text, `ROGATORY JOIN REQUEST`)

help-ca-issue-arg-ca = The federation CA's directory (from `rogatory ca create`)

help-ca-issue-arg-roster = The federation's roster file (as node.toml names it): issue only if the request's signing key is the one the roster lists for its node (a renewal must come from a member)

help-ca-issue-arg-out = Where to write the response [default: <node id>.certificate.pem]; never overwritten

help-node = Create a node, add peers, show a node's identity [operators]

help-node-create = Demo and tests only: a node directory with keys made where the CA key is

help-node-create-long =
    Create a node directory: keys, a certificate from the CA, and node.toml.

    For the demo and tests only: it makes the node's private keys on the machine that holds the CA key, so the CA holder has seen them. A real node runs `rogatory node init` on its own machine instead.

help-node-create-after =
    Example:
      rogatory node create --id tm --ca ./federation-ca --dir /srv/rogatory/tm --listen 0.0.0.0:7400 --address tm.example.org:7400

    For a real federation: rogatory node init --help

help-node-create-arg-id = The node's id: lowercase letters, digits and '-', e.g. the country code "tm"

help-node-create-arg-ca = The federation CA's directory (from `rogatory ca create`)

help-node-create-arg-dir = Where to create the node (must not already hold a node)

help-node-create-arg-listen = Address and port the node listens on for other nodes, e.g. 0.0.0.0:7400

help-node-create-arg-address = How other nodes reach this one, HOST:PORT [default: the --listen address]

help-node-init = Make this node's keys here and a join request for the CA holder

help-node-init-long = Make a node directory on the node's own machine: the signing key and the TLS key (0600; they never leave this machine), node.toml, and DIR/join-request.txt: the node's id, country, authority and addresses, its signing public key and a certificate signing request for its TLS key, signed by the signing key. Send the request to the federation's CA holder (e-mail is fine) and read them the printed fingerprints by telephone; install the certificate they send back with `rogatory node install-certificate`. Nothing existing is overwritten.

help-node-init-after =
    Example:
      rogatory node init --id kz --dir /srv/rogatory/kz --listen 0.0.0.0:7400 --address rogatory.prokuror.kz:7400 --country KZ --authority "Prosecutor General's Office"

help-node-init-arg-id = The node's id: lowercase letters, digits and '-', e.g. the country code "kz"

help-node-init-arg-dir = Where to create the node (must not already hold a node)

help-node-init-arg-listen = Address and port the node listens on for other nodes, e.g. 0.0.0.0:7400

help-node-init-arg-addresses = How other nodes reach this one, HOST:PORT (repeat for several)

help-node-init-arg-country = The state's ISO 3166-1 alpha-2 code, in capitals, e.g. KZ

help-node-init-arg-authority = The authority that runs the node, as it should appear to other members

help-node-init-arg-federation_ca = The federation CA certificate, if you already have it: a certificate response from any other CA is then refused

help-node-install-certificate = Put the certificate from `rogatory ca issue` in place (checked first)

help-node-install-certificate-long =
    Put the certificate from `rogatory ca issue` in place.

    The response is checked before anything is written: it certifies this node's TLS key (or its pending renewal key), names this node, is signed by the CA certificate in it (the one this node already trusts, if any), and is valid now. A certificate for the pending renewal key replaces key and certificate together. A running node takes it on SIGHUP.

help-node-install-certificate-after =
    Example:
      rogatory node install-certificate --dir /srv/rogatory/kz kz.certificate.pem
      systemctl reload rogatoryd

help-node-install-certificate-arg-dir = The node's directory (holding node.toml)

help-node-install-certificate-arg-response = The response file (node certificate then CA certificate, PEM)

help-node-renewal-request = Make a new TLS key here and a renewal request for the CA holder

help-node-renewal-request-long = Make a new TLS key on this machine (pending: the node keeps using its current key) and DIR/renewal-request.txt, a join request marked as a renewal and signed by the node's signing key. The CA holder runs `rogatory ca issue` on it; `rogatory node install-certificate` then switches key and certificate together, and SIGHUP applies them. Country, authority and addresses default to those of DIR/join-request.txt.

help-node-renewal-request-after =
    Example:
      rogatory node renewal-request --dir /srv/rogatory/kz

help-node-renewal-request-arg-dir = The node's directory (holding node.toml)

help-node-renewal-request-arg-country = The state's ISO 3166-1 alpha-2 code [default: from the earlier join request]

help-node-renewal-request-arg-authority = The authority's name [default: from the earlier join request]

help-node-renewal-request-arg-addresses = HOST:PORT where other nodes reach this one [default: from the earlier join request]

help-node-add-peer = Add another node as a peer of this node (--node); restart the node afterwards

help-node-add-peer-after =
    Example:
      rogatory --node /srv/rogatory/tm node add-peer --id de --address de.example.org:7400 --public-key q3n0...base64...=

    The peer's operator gets the key from `rogatory node create` or `rogatory node identity`; compare the fingerprints by phone.

help-node-add-peer-arg-id = The peer's node id

help-node-add-peer-arg-address = Where the peer listens, HOST:PORT

help-node-add-peer-arg-public_key = The peer's message-signing public key (base64)

help-node-identity = Show the running node's id, keys, address and peers

help-node-identity-after =
    Example:
      rogatory --node /srv/rogatory/tm node identity

help-node-renew-certificate = Issue a new TLS key and certificate for this node from the federation CA

help-node-renew-certificate-long =
    Issue a new TLS key and certificate for this node (--node) from the federation CA, and put them in place of the old ones.

    For the demo and tests only: it needs the CA key on the node's machine. A real node runs `rogatory node renewal-request` instead, and no private key moves.

    The node's identity and signing key do not change, so peers need no change. A running node uses the new certificate for new connections after SIGHUP (`systemctl reload rogatoryd`).

help-node-renew-certificate-after =
    Example:
      rogatory --node /srv/rogatory/tm node renew-certificate --ca ./federation-ca
      systemctl reload rogatoryd

help-node-renew-certificate-arg-ca = The federation CA's directory (from `rogatory ca create`)

help-node-rotate-key = Make this node's next signing key; it signs with it once a roster names it

help-node-rotate-key-long = Write a new signing key beside this node's key (--node; the file `<signing_key>.next`, mode 0600) and print its public key and fingerprint. The node goes on signing with its key until a roster in force lists the new one; then it switches by itself, without restart, and its old key stays valid for what it signed in its time. Only a node governed by a roster ([federation] roster in node.toml) can rotate.

help-node-rotate-key-after =
    Example:
      rogatory --node /srv/rogatory/tm/node.toml node rotate-key
      rogatory federation propose --current roster.pem --add-signing-key tm=<KEY> --retire-old-after 7d --out proposal.pem
      (k governors: rogatory federation sign ...)
      rogatory --node /srv/rogatory/tm federation apply proposal.pem

help-node-restore = Put a backup in place as this (stopped) node's store

help-node-restore-long =
    Put a backup (from `rogatory backup`) in place as the store of this node (--node), which must be stopped and must not hold a store (move the old one away first).

    The backup's audit log is verified first. On its next start the node asks every peer which checkpoint of its log it holds, and signs nothing until each one is contained in the restored log: if peers hold more than the backup, the node stays NOT SERVING and `rogatory status` says what was lost.

help-node-restore-after =
    Example:
      systemctl stop rogatoryd
      mv /srv/rogatory/tm/data/store /srv/rogatory/tm/data/store.broken
      rogatory --node /srv/rogatory/tm node restore --from /srv/backups/tm-2026-11-27
      systemctl start rogatoryd

help-node-restore-arg-from = The backup directory written by `rogatory backup`

help-federation = Govern the federation's roster with files: governor keys, genesis, proposals, signatures [governors]

help-federation-governor-key = Make a new governor key (on the governor's own machine)

help-federation-governor-key-long = Make a new governor key: an Ed25519 key that signs rosters, written 0600 to FILE on this machine (keep it offline: a USB stick in a safe). Prints the public key to send to whoever writes the genesis roster or the proposal adding you, and a fingerprint to read to them over the telephone.

help-federation-governor-key-after =
    Example:
      rogatory federation governor-key --out kz-governor.pem --name "Kazakhstan, General Prosecutor's Office"

help-federation-governor-key-arg-out = The private key file to create (it must not exist)

help-federation-governor-key-arg-name = Who holds the key, in plain words, as it will appear in the roster

help-federation-genesis = Write the first roster of a federation (unsigned)

help-federation-genesis-long = Write the federation's first roster (serial 1), unsigned: each governor then signs it with `rogatory federation sign`. Members come from --member, or from existing nodes' node.toml files (--member-from-config: the node itself and its [[peers]]), which migrates a running federation: the keys they use today stay valid for everything they signed before.

help-federation-genesis-after =
    Examples:
      rogatory federation genesis --federation casc-mla --governor "Kazakhstan, GPO=BASE64KEY" --governor "Tajikistan, GPO=BASE64KEY" --governor "Uzbekistan, GPO=BASE64KEY" --threshold 2 --ca federation-ca/ca.pem --member-from-config /srv/rogatory/kz/node.toml --member-name "kz=KZ,General Prosecutor's Office" --member-name "tj=TJ,General Prosecutor's Office" --set-address kz=kz.example:7400 --out roster-1.roster

help-federation-genesis-arg-federation = The federation's name, the same in every roster (for example "casc-mla")

help-federation-genesis-arg-governors = A governor: their name and base64 public key (from `governor-key`); repeat for each

help-federation-genesis-arg-threshold = k: how many governors must sign each roster

help-federation-genesis-arg-cas = The federation CA's certificate (PEM); repeat during a CA rotation

help-federation-genesis-arg-member_from_config = A node's node.toml: the node (its id and signing key) and its [[peers]] (ids, addresses, keys) become members; repeat for several nodes

help-federation-genesis-arg-members = A member written out: ID,COUNTRY,AUTHORITY,ADDRESS,SIGNING-PUBLIC-KEY (base64)

help-federation-genesis-arg-member_names = Country and authority of a member taken from a node.toml (which holds neither)

help-federation-genesis-arg-set_addresses = A member's address(es), where node.toml has none (a node's own) or to replace them

help-federation-genesis-arg-valid_for = How long the roster is valid; governors issue the next one before it expires

help-federation-genesis-arg-out = The file to write (it must not exist)

help-federation-propose = Propose the next roster: add or remove members, rotate or revoke keys, change governors

help-federation-propose-long = Write a proposal: the roster after CURRENT (serial + 1, naming CURRENT, issued now) with the changes asked for, unsigned. It prints the changes in plain words; send the file to the governors, who each sign it with `rogatory federation sign`.

help-federation-propose-after =
    Examples:
      rogatory federation propose --current roster-3.roster --out roster-4.proposal --add-member kz.join-request
      rogatory federation propose --current roster-4.roster --out roster-5.proposal --revoke-signing-key tm=BASE64KEY --since 2026-12-01T10:00:00Z --reason "stolen laptop"
      rogatory federation propose --current roster-5.roster --out roster-6.proposal --add-signing-key de=BASE64KEY --retire-old-after 7d

help-federation-propose-arg-current = The roster in force

help-federation-propose-arg-out = The proposal file to write (it must not exist)

help-federation-propose-arg-add_members = Add the node of a join request (`rogatory node init` writes it); check its fingerprints with the node's operator first

help-federation-propose-arg-remove_members = Remove a member

help-federation-propose-arg-set_addresses = Replace a member's addresses

help-federation-propose-arg-add_signing_keys = Add a member's new signing key (a rotation): valid from the proposal's issue time

help-federation-propose-arg-retire_old_after = With --add-signing-key: the member's previous keys stop being valid this long after the proposal's issue time (messages signed and queued before the switch still verify); longer than collecting the signatures and applying the roster takes

help-federation-propose-arg-revoke_signing_keys = Revoke a member's signing key as compromised (with --since and --reason)

help-federation-propose-arg-since = With --revoke-signing-key: from when signatures by the key are refused (RFC 3339, e.g. 2026-12-01T10:00:00Z, or "now")

help-federation-propose-arg-reason = With --revoke-signing-key or --revoke-certificate: why, in plain words

help-federation-propose-arg-revoke_certificates = Revoke a node's TLS certificate (PEM): refused at handshake from the roster on

help-federation-propose-arg-add_cas = Accept node certificates of another CA (a CA rotation)

help-federation-propose-arg-remove_cas = Stop accepting a CA (its revoked certificates leave with it)

help-federation-propose-arg-add_governors = Add a governor

help-federation-propose-arg-remove_governors = Remove a governor by public key

help-federation-propose-arg-threshold = The new threshold k

help-federation-propose-arg-valid_for = How long the new roster is valid [default: as long as the current one]

help-federation-apply = Put a signed roster in force at this node; its peers fetch it from there

help-federation-apply-long = Send a roster (or several, in order of serial) to the running node, which verifies it as the successor of the roster in force (signed by enough governors, not expired, not older), records it in its audit log and puts it in force at once: new members become reachable, removed or revoked ones are cut off. Its peers fetch it from this node within a minute. Nothing changes if it is refused.

help-federation-apply-after =
    Example:
      rogatory federation apply roster-4.proposal

help-federation-apply-arg-file = The roster file: signed by enough governors (`rogatory federation show` says)

help-federation-status = Show the roster in force at this node (and save it, for proposing the next)

help-federation-status-long = Show the roster the running node has in force: serial, issue and expiry, members and governors. With --out, also write it to FILE, the CURRENT roster that `federation propose` and `federation sign` start from.

help-federation-status-after =
    Example:
      rogatory federation status --out roster-in-force.roster

help-federation-status-arg-out = Write the roster in force to this file (armored)

help-federation-sign = Add your governor signature to a proposal

help-federation-sign-long = Show what a proposal changes and add your signature to it (the file is replaced atomically). Refuses a key that is no governor of the current or the proposed roster. Prints how many more signatures are needed.

help-federation-sign-after =
    Example:
      rogatory federation sign roster-4.proposal --key kz-governor.pem --current roster-3.roster

help-federation-sign-arg-proposal = The proposal (or genesis) file to sign, replaced in place

help-federation-sign-arg-key = Your governor key (from `rogatory federation governor-key`)

help-federation-sign-arg-current = The roster in force, which the proposal follows (not needed for a genesis)

help-federation-show = Show a roster or proposal in plain words, with its signatures

help-federation-show-after =
    Examples:
      rogatory federation show roster-3.roster
      rogatory federation show roster-4.proposal --current roster-3.roster --json

    Exit code 0: the file is a valid roster or a valid proposal still collecting signatures; 1: it is not (altered, or breaks a rule).

help-federation-show-arg-current = The roster in force, which FILE follows (to count the current governors' signatures and check the changes)

help-federation-diff = What one roster changes from another, in plain words

help-federation-diff-after =
    Example:
      rogatory federation diff roster-3.roster roster-4.proposal

help-backup = Write a consistent backup of the running node into a new directory [operators]

help-backup-long =
    Write a consistent backup of the running node into a new directory.

    The node itself writes the snapshot (one point of its log; writes pause meanwhile), so DIR is a path on the node's machine. The backup holds the store (audit log, messages, checkpoints); keep the node's keys directory backed up separately and securely. Restore with `rogatory node restore`.

help-backup-after =
    Example:
      rogatory --node /srv/rogatory/tm backup /srv/backups/tm-2026-11-27

help-backup-arg-dir = The directory to create (it must not exist yet)

help-completions = Print shell completions for bash, zsh, fish, elvish or powershell [operators]

help-completions-after =
    Examples:
      rogatory completions bash > /etc/bash_completion.d/rogatory
      rogatory completions zsh > "${"{"}fpath[1]{"}"}/_rogatory"

help-man = Write the manual pages (rogatory.1 and one per subcommand) into a directory [operators]

help-man-after =
    Example:
      rogatory man --dir /usr/local/share/man/man1

help-man-arg-dir = Where to write the pages (created if missing)

help-peers = Each peer: reachable or not, last contact, messages waiting for it [operators]

help-peers-after =
    Example:
      rogatory --node /srv/rogatory/tm peers

    A peer is `unknown` until this node has exchanged a message with it since it started.

help-whoami = Who your node takes you to be, and whether you may send in its name [contact points]

help-whoami-long =
    Who your node takes you to be, and whether you may send in its name.

    The node identifies whoever opens its operator socket by Unix user id (the kernel tells it). With [[contact_points]] in its configuration, it sends what you submit under the name configured for your account and refuses submissions from unlisted accounts; without them, it records the name you declare with --as, marked as declared, with your uid.

help-whoami-after =
    Examples:
      rogatory whoami
      rogatory --socket /run/rogatory/operator.sock whoami --json

    Exit code 0 whether or not you may submit; 1 if the node cannot be reached.

help-attention = What needs you: deadlines passed, undelivered messages, what awaits your answer, deadlines near, messages new to you [contact points]

help-attention-long = What needs you, most urgent first, grouped by reason: deadlines passed (yours to meet or the other side's to chase), messages not delivered for longer than the node's alert horizon or refused, requests and consultations awaiting your side's answer, deadlines within the horizon (48 hours unless --within), and received messages you have not seen. Each line names the case, the other party, the deadline and the start of the message id. "New" is per contact point (per Unix account without [[contact_points]]): `message show`, `case show`, `message read` and `case read` mark messages read. Delivery reports never count.

help-attention-after =
    Examples:
      rogatory attention
      rogatory attention --within 72
      rogatory attention --as-of 2026-03-01 --json

help-attention-arg-within = Count a deadline as near within this many hours [default: 48]

help-attention-arg-as_of = Judge deadlines as of this time instead of now: a day (2026-03-01, meaning 00:00 UTC) or an RFC 3339 date and time (2026-03-01T09:30:00Z)

help-watch = Be told as things happen: messages received, status changes, deliveries, deadlines [contact points]

help-watch-long =
    Print your node's events as they happen, one line each (--json: one JSON object per line), until the node stops or you press Ctrl-C: a message received, a status change, a delivery, a message undelivered past the node's alert horizon, a deadline within 48 hours or passed (checked every minute). If you fall far behind, you are told how many events you missed: run `rogatory attention`.

    --exec runs a shell command per event with the event in its environment: ROGATORY_EVENT (the kind), ROGATORY_CASE, ROGATORY_MESSAGE, ROGATORY_PEER, ROGATORY_DUE (a deadline, RFC 3339, else empty) and ROGATORY_AT. --mail pipes a notice to your machine's mail transfer agent (`sendmail -t`; another with --sendmail). Neither ever carries what a message says: only its kind, case, id, peer and times. Read the message itself with `rogatory message show`.

help-watch-after =
    Examples:
      rogatory watch
      rogatory watch --json
      rogatory watch --exec 'notify-send "Rogatory: $ROGATORY_EVENT in $ROGATORY_CASE"'
      rogatory watch --mail prosecutor@example.org

help-watch-arg-exec = Run this shell command for each event, the event in ROGATORY_* variables

help-watch-arg-mail = Mail a notice of each event (no message content) to this address

help-watch-arg-sendmail = The MTA to pipe notices to, called with -t

help-directory = Whom do I ask? Peers' signed contact-point directories [contact points]

help-directory-search = Contact points of peers matching the filters, from their verified signed directories

help-directory-search-after =
    Examples:
      rogatory directory search --country uz --measure trace-proceeds
      rogatory directory search --crime corruption --language en --refresh

    The node answers from its cache of verified directories; --refresh fetches them from the peers now. `asset-tracing` is accepted for trace-proceeds.

help-directory-search-arg-country = Only this peer (its node id, usually the country code)

help-directory-search-arg-measure = Only contact points handling this measure (an assistance type, e.g. trace-proceeds)

help-directory-search-arg-crime = Only contact points whose crimes mention this text

help-directory-search-arg-language = Only contact points working in this language (e.g. en)

help-directory-search-arg-refresh = Fetch the peers' directories now instead of answering from the cache

help-directory-show = This node's own signed directory, as peers see it

help-directory-show-after =
    Example:
      rogatory directory show

help-log = Check the node's audit log [auditors]

help-log-verify = Verify the node's audit log, entry by entry, from the first to the last

help-log-verify-long =
    Verify the node's audit log, entry by entry, from the first to the last.

    Every entry is chained to the previous one by its hash, and entries about messages carry the signed bytes and signatures, which are checked again.

help-log-verify-after =
    Example:
      rogatory --node /srv/rogatory/tm log verify

    Exit code 0: the log verifies. Exit code 2: it does not (the entry and reason are printed).

help-log-checkpoint = Print the node's newest signed checkpoint and which peers cosigned it

help-log-checkpoint-long =
    Print the node's newest signed checkpoint: a C2SP signed note committing the node to the first N entries of its audit log (their Merkle root), signed with the node's key and cosigned by the peers that witnessed it.

    Anyone holding the node's public key can check it; keep a copy to hold the node to its history later.

help-log-checkpoint-after =
    Example:
      rogatory --node /srv/rogatory/tm log checkpoint > tm.checkpoint

help-audit = Export the node's audit log as a bundle and check bundles offline [auditors]

help-audit-entries = Read a bundle's log: one line per entry (who sent what to whom, when), with filters

help-audit-entries-long =
    Read what a node's audit log records, offline, from its bundle (from `rogatory audit export`): one line per entry with its index, time, kind, peer, case, and what it concerns (the message's kind and subject, who submitted it, the reason of a refusal). Filters combine: every one given must hold.

    Reading proves nothing: `rogatory audit verify` proves the bundle intact and signed; run it first. `rogatory audit entry BUNDLE N` shows one entry in full.

help-audit-entries-after =
    Examples:
      rogatory audit entries ./tm-audit-2026 --kind message-sent --peer de
      rogatory audit entries ./tm-audit-2026 --case tm-01J --since 2026-01-01
      rogatory audit entries ./tm-audit-2026 --text Atayev --json

help-audit-entries-arg-bundle = The bundle directory (from `rogatory audit export`)

help-audit-entries-arg-kinds = Only entries of this kind; repeat for several

help-audit-entries-arg-peer = Only entries concerning this peer (its node id)

help-audit-entries-arg-case = Only entries of this case (its id or the beginning of it)

help-audit-entries-arg-since = Only entries made on or after this day (YYYY-MM-DD, UTC)

help-audit-entries-arg-until = Only entries made on or before this day (YYYY-MM-DD, UTC)

help-audit-entries-arg-text = Only entries whose subject, text, ids or peer hold every one of these words (Cyrillic or Latin, beginnings of words)

help-audit-entries-arg-from = Start at this entry index

help-audit-entries-arg-limit = Show at most this many entries (how many more matched is said)

help-audit-entry = Show one entry of a bundle in full, its signed message decoded

help-audit-entry-long = Show one entry of an audit bundle in full: every field, its hash and the previous entry's, the signature, and the signed message or receipt it holds, decoded.

help-audit-entry-after =
    Example:
      rogatory audit entry ./tm-audit-2026 42

help-audit-entry-arg-bundle = The bundle directory (from `rogatory audit export`)

help-audit-entry-arg-index = The entry's index (from `rogatory audit entries`)

help-audit-export = Write the node's whole audit log, checkpoints and keys into a bundle directory

help-audit-export-long =
    Write the node's whole audit log, its signed checkpoints and the public keys needed to check them into a new directory (a bundle), through the node's operator socket.

    The bundle is self-contained: `rogatory audit verify` checks it on any machine, without the node. It holds BUNDLE (a short manifest), keys.txt (C2SP verifier keys: the node's, then its peers'), entries.bin (every entry exactly as stored, each after a 4-byte big-endian length) and checkpoints/<size>.note (the signed checkpoints, with cosignatures). The directory must be new or empty.

help-audit-export-after =
    Example:
      rogatory --node /srv/rogatory/tm audit export ./tm-audit-2025-07

help-audit-export-arg-dir = Directory to write the bundle to (created if missing; must be empty)

help-audit-verify = Check a bundle offline: chain, signatures, receipts, checkpoints, cosignatures

help-audit-verify-long =
    Check an audit bundle offline, entry by entry: the hash chain, every signature, that every receipt obtained acknowledges a message the log sent (the same bytes, to the same peer), that every receipt issued points at the entry that recorded the message, and that every signed checkpoint (and each known peer's cosignature on it) commits to the entries as they are. Entries after the newest checkpoint are counted, not refused.

    The keys come from the bundle's keys.txt, which the node wrote: compare the node's key, printed at the end, with the one its operator gives you out of band, and pin the peers' keys (and the node's) with --peer-keys FILE, keys obtained from each peer's operator. Without it the report names every key taken on trust from the bundle; with it, a key in keys.txt that differs from the pinned one fails the bundle.

    With --roster FILE (a roster history from the governors, genesis first), no key is taken from the bundle: every signature (envelopes, receipts, checkpoints, cosignatures) is checked against the keys the roster history says its signer held at the signature's date. The history is FILE's, extended by the rosters the log records as applied where they verify as successors. Every signature by a revoked, retired, not yet valid or unknown key, or by a node that was not a member then, is named, and so is every recorded roster that does not verify or forks from the history.

help-audit-verify-after =
    Examples:
      rogatory audit verify ./tm-audit-2025-07
      rogatory audit verify ./tm-audit-2025-07 --roster federation-rosters.txt

    Exit code 0: the bundle verifies. Exit code 2: it does not (the first failing entry and the reason are printed).

help-audit-verify-arg-bundle = The bundle directory (from `rogatory audit export`)

help-audit-verify-arg-peer_keys = Verifier keys obtained independently of the bundle, one a line in the format of keys.txt (`rogatory/<node>+<hash>+<key>`, as `rogatory node identity` prints them): they replace the bundle's own, and a bundle that disagrees with them fails

help-audit-verify-arg-roster = A roster history obtained from the governors (armored rosters, genesis first): every signature is checked against the keys it says each node held at the signature's date, instead of the bundle's keys.txt

help-audit-rosters = Write the rosters a node's log says it applied, as one roster history file

help-audit-rosters-long = Write the rosters the bundle's log records as applied (ROSTER_APPLIED entries), oldest first, armored, into a new file: a roster history as `rogatory audit verify --roster` reads it. The rosters are written as the node recorded them and are not trusted for that: compare the printed genesis SHA-256 with the governors by telephone before using the file to judge anything.

help-audit-rosters-after =
    Example:
      rogatory audit rosters ./tm-audit-2025-07 --out tm-rosters.txt
      rogatory audit verify ./de-audit-2025-07 --roster tm-rosters.txt

help-audit-rosters-arg-bundle = The bundle directory

help-audit-rosters-arg-out = The file to write (must not exist)

help-audit-prove = Print a C2SP tlog-proof that one entry is in a signed checkpoint

help-audit-prove-long = Print a C2SP tlog-proof (c2sp.org/tlog-proof) that entry N of the bundle's log is included in one of the node's signed checkpoints: the Merkle inclusion proof, computed from the bundle's entries, followed by the checkpoint with its cosignatures. The bundle is verified first; no proof is written from a bundle that does not verify.

help-audit-prove-after =
    Examples:
      rogatory audit prove ./tm-audit-2025-07 --index 4 > entry-4.proof
      rogatory audit prove ./tm-audit-2025-07 --index 4 --checkpoint 12 --entry-out entry-4.bin > entry-4.proof

help-audit-prove-arg-bundle = The bundle directory

help-audit-prove-arg-index = The entry to prove

help-audit-prove-arg-checkpoint = The tree size of the checkpoint to prove against [default: the newest covering N]

help-audit-prove-arg-entry_out = Also write the entry's exact bytes to FILE (what `check-proof --entry-file` takes)

help-audit-check-proof = Check a tlog-proof of an entry against the log's verifier key

help-audit-check-proof-long = Check a C2SP tlog-proof: that its checkpoint is signed by the log's key and that the entry (its exact bytes) is at the proof's index in the tree the checkpoint commits to.

help-audit-check-proof-after =
    Example:
      rogatory audit check-proof entry-4.proof --key rogatory/tm+d718e31a+AepK... --entry-file entry-4.bin

    The key is the first line of the bundle's keys.txt; get it from the node's operator. Exit code 0: the proof holds. Exit code 2: it does not.

help-audit-check-proof-arg-proof = The tlog-proof file (from `rogatory audit prove`)

help-audit-check-proof-arg-key = The log's C2SP verifier key, `rogatory/<node>+<key id>+<key>`

help-audit-check-proof-arg-entry_file = The entry's exact bytes (from `rogatory audit prove --entry-out`)

help-audit-consistency = Print a proof that the node's log at one checkpoint extends its log at an older one

help-audit-consistency-long = Print a consistency proof (RFC 9162 2.1.4) between two of the node's signed checkpoints in the bundle, of OLD and NEW entries: the proof hashes, computed from the bundle's entries, followed by both checkpoint notes verbatim. Whoever holds the two checkpoints and the node's key can then check that the node only appended between them. The bundle is verified first; the format is in docs/AUDIT-FORMAT.md section 16.1.

help-audit-consistency-after =
    Example:
      rogatory audit consistency ./tm-audit-2025-07 4 12 > tm-4-12.proof

help-audit-consistency-arg-bundle = The bundle directory

help-audit-consistency-arg-old = The size of the older checkpoint (a file checkpoints/OLD.note in the bundle)

help-audit-consistency-arg-new = The size of the newer checkpoint

help-audit-check-consistency = Check a consistency proof between two checkpoints against the log's verifier key

help-audit-check-consistency-long = Check a consistency proof file (from `rogatory audit consistency`): both checkpoints are signed by the log's key and are of that log, and the newer tree extends the older one.

help-audit-check-consistency-after =
    Example:
      rogatory audit check-consistency tm-4-12.proof --key rogatory/tm+d718e31a+AepK...

    Exit code 0: the proof holds. Exit code 2: it does not.

help-audit-check-consistency-arg-file = The consistency proof file

help-audit-check-consistency-arg-key = The log's C2SP verifier key, `rogatory/<node>+<key id>+<key>`

help-audit-cross-check = Compare two nodes' bundles: each one's receipts against the other's log, and their keys

help-audit-cross-check-long = Compare the audit bundles of two nodes that exchanged messages. Both are verified first. Then every receipt one node obtained from the other must point (log_index, log_entry_hash) at a MESSAGE_RECEIVED entry of the other's log holding exactly the acknowledged envelope bytes, and each bundle's keys.txt must give the other node the key that node signs with. Every disagreement is listed with the message, the receipt's claimed position and what the other log holds there.

help-audit-cross-check-after =
    Example:
      rogatory audit cross-check ./tm-audit-2025-07 ./de-audit-2025-07

    Exit code 0: no discrepancy. Exit code 2: a bundle does not verify, or the two disagree.

help-audit-cross-check-arg-a = The first node's bundle directory

help-audit-cross-check-arg-b = The second node's bundle directory

help-audit-check-document = Check a printed document against the node's audit bundle, by its verification code

help-audit-check-document-long = Check a document printed by `rogatory message print` or `case print` against the audit bundle of the node that printed it. The bundle is verified first, as by `audit verify`. The verification code names a position in that node's log and is derived from the exact signed message recorded there (docs/AUDIT-FORMAT.md section 18): the check finds the entry, compares, and shows what the log records (message, sender, receiver, subject, times, the signing key's fingerprint), to compare with the paper. With --pdf the codes are read from the document's text, every one is checked, and each message and its signing key's fingerprint must appear in the document.

help-audit-check-document-after =
    Examples:
      rogatory audit check-document ./tm-audit tm-42-K94A-0YAJ-5YW5-9K3V
      rogatory audit check-document ./tm-audit --pdf request.pdf

    Exit code 0: the document checks. Exit code 2: it does not, or the bundle does not verify.

help-audit-check-document-arg-bundle = The audit bundle of the node that printed the document (`rogatory audit export`)

help-audit-check-document-arg-code = The verification code printed on the document, e.g. tm-42-K94A-0YAJ-5YW5-9K3V

help-audit-check-document-arg-pdf = Read the codes from this PDF (printed by rogatory) instead

help-audit-check-document-arg-peer_keys = Keys obtained from each node's operator, one verifier key a line as in keys.txt, to hold the bundle's keys against (as for `audit verify --peer-keys`)

help-demo = Run a small federation (tm, uz, de) on this machine and send a request through it

help-demo-long =
    Run a small federation on this machine and send a request through it.

    Three nodes start on loopback: Turkmenistan (tm), Uzbekistan (uz) and Germany (de). tm's contact point sends de a request for evidence in a trafficking-in-persons case (config/requests/trafficking-evidence.toml); de receipts it, finds it in its inbox and answers with status updates; then every node's audit log is verified. Nothing leaves this machine.

help-demo-after =
    Examples:
      rogatory demo
      rogatory demo --keep
      rogatory demo --dir ./demo-runs      (each run gets its own run-<time> directory)

help-demo-arg-dir = Keep the demo's files in DIR/run-<time> instead of a temporary directory

help-demo-arg-keep = Keep the temporary directory instead of deleting it at the end

help-placeholder-dir_or_config = DIR_OR_CONFIG

help-placeholder-path = PATH

help-placeholder-language = LANGUAGE

help-placeholder-file = FILE

help-placeholder-name = NAME

help-placeholder-message_id = MESSAGE_ID

help-placeholder-status = STATUS

help-placeholder-ground = GROUND

help-placeholder-text = TEXT

help-placeholder-ref = REF

help-placeholder-node_id = NODE_ID

help-placeholder-n = N

help-placeholder-date = DATE

help-placeholder-case_id = CASE_ID

help-placeholder-sha256 = SHA256

help-placeholder-file-pdf = FILE.pdf

help-placeholder-words = WORDS

help-placeholder-state = STATE

help-placeholder-assistance = ASSISTANCE

help-placeholder-direction = DIRECTION

help-placeholder-kind = KIND

help-placeholder-day = DAY

help-placeholder-peer = PEER

help-placeholder-subject = SUBJECT

help-placeholder-restriction = RESTRICTION

help-placeholder-purpose = PURPOSE

help-placeholder-id = ID

help-placeholder-dir = DIR

help-placeholder-join-request = JOIN-REQUEST

help-placeholder-ca_dir = CA_DIR

help-placeholder-node_dir = NODE_DIR

help-placeholder-addr = ADDR

help-placeholder-host-port = HOST:PORT

help-placeholder-cc = CC

help-placeholder-response = RESPONSE

help-placeholder-base64 = BASE64

help-placeholder-name-publickey = NAME=PUBLICKEY

help-placeholder-k = K

help-placeholder-ca-pem = CA.pem

help-placeholder-node-toml = NODE.toml

help-placeholder-id-country-authority-address-key = ID,COUNTRY,AUTHORITY,ADDRESS,KEY

help-placeholder-id-country-authority = ID=COUNTRY,AUTHORITY

help-placeholder-id-addr-addr = ID=ADDR[,ADDR]

help-placeholder-days = DAYS

help-placeholder-roster = ROSTER

help-placeholder-id-publickey = ID=PUBLICKEY

help-placeholder-duration = DURATION

help-placeholder-time = TIME

help-placeholder-cert-pem = CERT.pem

help-placeholder-publickey = PUBLICKEY

help-placeholder-proposal = PROPOSAL

help-placeholder-old = OLD

help-placeholder-new = NEW

help-placeholder-shell = SHELL

help-placeholder-hours = HOURS

help-placeholder-command = COMMAND

help-placeholder-address = ADDRESS

help-placeholder-measure = MEASURE

help-placeholder-lang = LANG

help-placeholder-bundle = BUNDLE

help-placeholder-case = CASE

help-placeholder-index = INDEX

help-placeholder-size = SIZE

help-placeholder-proof_file = PROOF_FILE

help-placeholder-verifier_key = VERIFIER_KEY

help-placeholder-a = A

help-placeholder-b = B

help-placeholder-code = CODE

help-choice-status-acknowledged = the request arrived and a contact point has taken it in hand

help-choice-status-under-review = the request is being examined

help-choice-status-additional-information-requested = more information is needed to execute it (UNTOC art. 18(16))

help-choice-status-consultation = conditions are proposed or consultation is needed (art. 18(26))

help-choice-status-accepted = the request will be executed

help-choice-status-postponed = execution is postponed, e.g. for ongoing proceedings (art. 18(25))

help-choice-status-refused = refused; name the ground with --ground (art. 18(21)) and the reasons in --note (18(23))

help-choice-status-in-execution = the measures are being carried out

help-choice-status-partially-executed = part of the assistance was provided

help-choice-status-executed = the assistance was provided and the results transmitted

help-choice-status-withdrawn = the requesting side no longer needs the assistance

help-choice-status-closed = the requesting side closes an executed request: the assistance was received

help-choice-status-supplemented = the requesting side sent the additional information, or its answer to proposed conditions

help-choice-ground-not-in-conformity = (a) the request does not conform to the provisions of art. 18

help-choice-ground-essential-interests = (b) execution is likely to prejudice sovereignty, security, ordre public or other essential interests

help-choice-ground-prohibited-by-domestic-law = (c) domestic law would prohibit the action for a similar offence under its own jurisdiction

help-choice-ground-contrary-to-legal-system = (d) granting it would be contrary to the legal system relating to mutual legal assistance

help-choice-restrictions-stated-purpose-only = only for the purpose given with --purpose

help-choice-restrictions-no-evidence-without-consent = not to be used as evidence without your prior consent

help-choice-restrictions-no-onward-transmission = not to be passed on to a third state or international body

help-choice-restrictions-confidential = to be kept confidential (until --confidential-until, if given)
