# Ошибки, о которых сообщает сама команда (ответы узла приводятся как есть).

errors-not-json = `rogatory { $command }` выводит не JSON, поэтому --json к ней не применяется
errors-not-json-hint = уберите --json
errors-usage-hint = `rogatory --help` и `rogatory КОМАНДА --help` перечисляют команды и параметры
