# Printed documents (`rogatory message print`, `rogatory case print`) and their check
# (`rogatory audit check-document`). The request's headings follow UNTOC art. 18(15).

## Titles
print-title-request = Request for mutual legal assistance
print-title-status-update = Status report on a request for mutual legal assistance
print-title-consultation = Direct consultation between contact points
print-title-spontaneous = Information transmitted without prior request
print-title-delivery-report = Delivery report
print-title-case = Case file { $case }
print-subtitle = message { $id } · case { $case } · { $created }
print-untoc-order = (particulars in the order of article 18, paragraph 15, of the United Nations Convention against Transnational Organized Crime)
print-footer = { $document } · page { $page } of { $pages }
print-case-contents = Contents of the case file
print-case-entry = { $n }. { $what }, { $date }, { $from } → { $to }
print-case-none = This node holds no message of the case.

## Section headings of a request
print-section-authorities = 1. Authorities
print-section-substance = 2. Subject of the request and the facts
print-section-persons = 3. Persons concerned
print-section-assistance = 4. Assistance requested
print-section-handling = 5. Urgency, confidentiality, language and costs
print-section-attachments = Attachments
print-section-verification = Verification

## Request fields
print-requesting-authority = Requesting authority
print-proceedings-authority = Authority conducting the investigation, prosecution or proceedings
print-requested-state = Requested State (node)
print-requested-authority = Central authority of the requested State
print-legal-basis = Legal basis
print-national-reference = National case reference
print-subject = Subject of the investigation, prosecution or proceedings
print-stage = Stage of the proceedings
print-offences = Offences and legal provisions
print-summary = Summary of the relevant facts
print-person = Person { $n }
print-person-role = role
print-person-born = date of birth
print-person-nationality = nationality
print-person-location = location
print-assistance = Assistance requested
print-procedures = Particular procedures to be followed (art. 18(17))
print-purpose = Purpose of the evidence, information or action sought (art. 18(19))
print-questions = Questions to be put
print-urgency = Urgency
print-urgent = Urgent
print-not-urgent = Not urgent
print-urgency-reasons = Reasons for urgency
print-deadline = Deadline requested
print-advance-notice = Advance notice through an urgent channel (art. 18(14))
print-confidentiality = Confidentiality of the request (art. 18(20))
print-confidential = The request and its contents are to be kept confidential
print-not-confidential = Not requested
print-language = Language of the request
print-translations = Translations enclosed
print-costs = Costs of a substantial or extraordinary nature (art. 18(28))
print-signed-by = Signed or validated by
print-not-stated = not stated

## Other messages
print-refers-to = Request concerned
print-status = Status reported
print-ground = Ground for refusal (art. 18(21))
print-note = Explanation
print-author = Author
print-text = Text
print-in-answer-to = In answer to
print-information = Information
print-use-conditions = Conditions of use (art. 18(5))
print-further-conditions = Further conditions
print-confidential-until = Confidential until
print-report-on = Receipts reported for message

## Attachments
print-attachment = { $name } ({ $media }, { $size ->
        [one] { $size } byte
       *[other] { $size } bytes
    })
print-attachment-sha = SHA-256 { $sha }
print-no-attachments = None.

## Verification block
print-sender-node = Sending node
print-receiver-node = Receiving node
print-copies-to = Copies sent to
print-message-id = Message identifier
print-case-id = Case
print-created = Created (sending node's clock)
print-envelope-sha = SHA-256 of the signed message
print-signing-key = Fingerprint of the sending node's signing key (SHA-256)
print-own-log = Entry in the audit log of node { $node }
print-own-log-value = position { $index }
print-receipt = Receipt signed by node { $node }
print-receipt-value = stored on { $time }, position { $index } of its audit log
print-receipt-hash = Hash of that audit log entry
print-no-receipt = none yet: the receiving node has not confirmed storing the message
print-code = Verification code
print-code-how = Anyone holding this document and the audit bundle of node { $node } (rogatory audit export) can check that the message above is recorded at this position of its audit log and signed by the key named above: rogatory audit check-document BUNDLE { $code }
print-printed = Printed by node { $node } on { $time }.

## rogatory message print / case print
print-written = Wrote { $file }: { $pages ->
        [one] { $pages } page
       *[other] { $pages } pages
    }.
print-file-exists = { $file } already exists
print-file-exists-hint = choose another file name with --out, or remove the old file first
print-not-pdf = { $file } does not end in .pdf
print-not-pdf-hint = name the output file with --out FILE.pdf
print-cannot-write-pdf = cannot write the PDF

## rogatory audit check-document
check-document-ok = Document CHECKED: code { $code } names entry { $index } of node { $node }'s audit log, which verifies, and the message recorded there is the one printed.
check-document-message = Message { $id } ({ $what }), case { $case }
check-document-route = from node { $sender } to node { $recipient }, created { $created }
check-document-subject = Subject: { $subject }
check-document-logged = Recorded by node { $node } on { $time } as { $kind }
check-document-kind-message-sent = MESSAGE_SENT
check-document-kind-message-received = MESSAGE_RECEIVED
check-document-signed = Signed by node { $signer }, key fingerprint { $fingerprint }
check-document-key-pinned = (the key is pinned: it matches the one given with --peer-keys)
check-document-key-on-trust = (the key is taken on trust from the bundle's keys.txt, which node { $node } wrote: pin it with --peer-keys FILE, keys obtained from each node's operator)
check-document-covered = Covered by the node's signed checkpoint of { $size } entries (cosigned by { $cosigners })
check-document-not-covered = Not yet covered by a checkpoint of the node (export the bundle again later)
check-document-fails = Document does NOT check: { $reason }
check-document-other-node = the code names node { $code_node }'s audit log, but this bundle is node { $bundle_node }'s; obtain node { $code_node }'s bundle
check-document-bundle-fails = the audit bundle itself does not verify ({ $failure })
check-document-no-entry = node { $node }'s audit log has no entry { $index } (it holds { $entries })
check-document-not-message = entry { $index } of node { $node }'s audit log records no message ({ $kind })
check-document-mismatch = entry { $index } of node { $node }'s audit log records message { $id }, whose code is not { $code }: the code is mistyped, or the document does not match the log
check-document-not-named = the document does not name message { $id }, which its code { $code } points to
check-document-other-key = the document does not name the key that signed message { $id } in the log (fingerprint { $fingerprint })
check-document-no-code = no verification code found in { $file }
check-document-no-code-hint = type the code printed under "Verification code" instead: rogatory audit check-document BUNDLE CODE
check-document-bad-code = { $code } is not a document code: { $reason }
check-document-one-source = give the code or --pdf FILE, not both
check-document-one-source-hint = rogatory audit check-document BUNDLE CODE, or rogatory audit check-document BUNDLE --pdf FILE
