# Failures the CLI reports itself (the node's own answers are quoted as they come).

errors-not-json = `rogatory { $command }` does not print JSON, so it does not take --json
errors-not-json-hint = leave out --json
errors-usage-hint = `rogatory --help` and `rogatory COMMAND --help` list the commands and options
