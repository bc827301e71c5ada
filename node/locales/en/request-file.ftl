# Problems found in a request file (`rogatory request send FILE`), each shown after its line
# and key: `request.toml:12: [routing.requesting_authority] name: must not be empty`.

request-file-problems = request file { $file } has { $count ->
    [one] { $count } problem
   *[other] { $count } problems
}, by line:
request-file-unknown-key-did-you-mean = unknown key; did you mean `{ $known }`?
request-file-unknown-key = unknown key; this section takes { $keys }
request-file-section-missing = the section [{ $section }] is missing
request-file-missing = missing; it is required
request-file-empty = must not be empty
request-file-empty-list = must not be empty; give at least one
request-file-empty-recipient = must not be empty; write the requested country's node id, e.g. "de"
request-file-wrong-type = expected { $expected }, found { $found }
request-file-type-text = text in "quotes"
request-file-type-flag = true or false
request-file-type-name = a name in "quotes"
request-file-type-node = a node id in "quotes"
request-file-type-case = a case id in "quotes"
request-file-type-path = a file path in "quotes"
request-file-type-list = a list such as ["one", "two"]
request-file-type-section = a section [...]
request-file-type-blocks = [[{ $name }]] blocks
request-file-found-text = text
request-file-found-number = a number
request-file-found-flag = true/false
request-file-found-date = a date
request-file-found-list = a list
request-file-found-section = a section
request-file-case-id = { $value } must be 1 to 64 printable characters without spaces; leave it out to open a new case
request-file-language-tag = { $value } is not a language tag; write one such as "de", "ru" or "uz-Latn"
request-file-no-file = no file { $path } (paths are relative to the request file)
request-file-already-addressee = { $node } is already an addressee of the request
request-file-urgent-needs-reasons = an urgent request must say why it is urgent (UNTOC art. 18(24))
request-file-date = a date such as 1998-03-14
request-file-date-time = a date such as 2025-07-01 or a date and time such as 2025-07-01T18:00:00Z
request-file-not-a-date = { $value } is not { $expected }
request-file-write-date = write { $expected }
