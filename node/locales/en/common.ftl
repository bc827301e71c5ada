# Words used across commands and pages.

common-messages = { $count ->
    [one] { $count } message
   *[other] { $count } messages
}
common-cases = { $count ->
    [one] { $count } case
   *[other] { $count } cases
}
common-yes = yes
common-no = no
common-none = none
common-unknown = unknown
