# rogatory search, and the titles and national references shown in lists.

search-found = { $count ->
    [one] { $count } case found.
   *[other] { $count } cases found.
}
search-none = No case matches.
search-more = More cases match than are shown: add words or filters, or raise --limit.
search-truncated = A word begins too many indexed words to read them all, so some cases may be missing: type more of it.
search-hint-show = `rogatory case show CASE_ID` shows a case's whole thread.
search-doing = searching for “{ $query }”
search-bad-day = { $text } is not a day; write it as YYYY-MM-DD, for example 2026-03-01
search-heading-last-match = LAST MATCH (UTC)
search-heading-case = CASE
search-heading-with = WITH
search-heading-state = STATE
search-heading-found-in = FOUND IN
search-heading-references = REFERENCES
search-heading-title = TITLE
search-field-title = subject
search-field-facts = facts
search-field-person = persons
search-field-offence = offences
search-field-reference = case numbers
search-field-text = text
search-field-authority = authorities
search-field-peer = parties
