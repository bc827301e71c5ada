# clap's own words around the command line's help and its usage errors. English is clap's
# built-in text (shown by clap itself); the other languages replace it.

usage-heading = Usage:
usage-commands-heading = Commands:
usage-arguments-heading = Arguments:
usage-options-heading = Options:
usage-command-placeholder = COMMAND
usage-options-placeholder = OPTIONS
usage-help-flag = Print help
usage-help-flag-summary = Print help (see more with '--help')
usage-help-flag-long = Print help (see a summary with '-h')
usage-version-flag = Print version
usage-help-command = Print this message or the help of the given subcommand(s)
usage-help-command-argument = Print help for the subcommand(s)
usage-default-value = [default: { $value }]
usage-possible-values = [possible values: { $values }]
usage-possible-values-heading = Possible values:
usage-possible-commands = [subcommands: { $values }]

usage-error = error:
usage-error-unknown-argument = unexpected argument '{ $argument }' found
usage-error-unknown-command = unrecognized subcommand '{ $command }'
usage-error-value-missing = a value is required for '{ $argument }' but none was supplied
usage-error-invalid-value = invalid value '{ $value }' for '{ $argument }'
usage-error-value-refused = invalid value '{ $value }' for '{ $argument }': { $reason }
usage-error-missing-arguments = the following required arguments were not provided:
usage-error-missing-command = '{ $command }' requires a subcommand but one was not provided
usage-error-repeated-argument = the argument '{ $argument }' cannot be used multiple times
usage-error-conflicting-arguments = the argument '{ $argument }' cannot be used with '{ $others }'
usage-error-unexpected-value = unexpected value '{ $value }' for '{ $argument }' found; no more were expected
usage-error-other = the command line is not valid
usage-error-similar-command = { $count ->
    [one] tip: a similar subcommand exists: '{ $similar }'
   *[other] tip: some similar subcommands exist: '{ $similar }'
}
usage-error-similar-argument = { $count ->
    [one] tip: a similar argument exists: '{ $similar }'
   *[other] tip: some similar arguments exist: '{ $similar }'
}
usage-error-similar-value = { $count ->
    [one] tip: a similar value exists: '{ $similar }'
   *[other] tip: some similar values exist: '{ $similar }'
}
usage-error-value-with-dash = tip: to pass '{ $argument }' as a value, use '-- { $argument }'
usage-quote-separator = {"', '"}
usage-error-try-help = For more information, try '{ $help }'.
