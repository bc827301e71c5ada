# `rogatory audit entries` и `audit entry`: журнал узла, прочитанный автономно из его пакета.
audit-kind-node-started = запуск узла
audit-kind-node-stopped = остановка узла
audit-kind-message-sent = сообщение отправлено
audit-kind-message-received = сообщение получено
audit-kind-receipt-issued = выдано подтверждение
audit-kind-receipt-obtained = получено подтверждение
audit-kind-rejection = отказ в приёме
audit-kind-local-action = действие пользователя
audit-kind-config-change = изменение конфигурации
audit-kind-peer-misbehaviour = нарушение со стороны узла-партнёра
audit-kind-attachment-received = вложение сохранено
audit-kind-roster-applied = введён в действие состав
audit-kind-unknown = неизвестный вид
audit-message-kind-request = просьба
audit-message-kind-status-update = сообщение о ходе исполнения
audit-message-kind-consultation = консультация
audit-message-kind-information = информация, переданная без предварительной просьбы
audit-message-kind-delivery-report = отчёт о доставке
audit-entries-column-index = №
audit-entries-column-time = время
audit-entries-column-kind = запись
audit-entries-column-peer = узел
audit-entries-column-case = дело
audit-entries-column-what = содержание
audit-entries-none = Подходящих записей нет (в журнале { $entries ->
    [one] { $entries } запись
    [few] { $entries } записи
   *[many] { $entries } записей
}).
audit-entries-summary = Показано { $shown } из { $matched } подходящих; в журнале { $entries ->
    [one] { $entries } запись
    [few] { $entries } записи
   *[many] { $entries } записей
}.
audit-entries-more = Подходящих записей больше: увеличьте --limit или продолжите с --from НОМЕР (номер после последнего показанного).
audit-entries-damaged = файл entries.bin пакета повреждён на записи { $index }: { $why }
audit-entries-damaged-hint = выгрузите пакет заново (`rogatory audit export`); `rogatory audit verify` покажет, что с этим пакетом не так
audit-entry-no-such = в пакете нет записи { $index } (в нём { $entries ->
    [one] { $entries } запись
    [few] { $entries } записи
   *[many] { $entries } записей
}, нумерация с 0)
audit-entry-no-such-hint = список записей: `rogatory audit entries BUNDLE`
audit-entry-index = запись:
audit-entry-time = время:
audit-entry-kind = вид:
audit-entry-peer = узел:
audit-entry-message = сообщение:
audit-entry-case = дело:
audit-entry-what = содержание:
audit-entry-hash = хеш записи:
audit-entry-previous = хеш предыдущей:
audit-entry-signature = подпись:
audit-entry-payload = Подписанные данные ({ $kind }, { $size } байт, SHA-256 { $sha256 }) в раскодированном виде (поля названы как в docs/PROTOCOL.md):
audit-entry-payload-undecoded = (не раскодируются как то, что должна содержать эта запись; `rogatory audit verify` сообщит об этом)
