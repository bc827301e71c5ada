# Ошибки, о которых сообщает сама команда (ответы узла приводятся как есть).

errors-not-json = `rogatory { $command }` выводит не JSON, поэтому --json к ней не применяется
errors-not-json-hint = уберите --json
errors-usage-hint = `rogatory --help` и `rogatory КОМАНДА --help` перечисляют команды и параметры

# Рамка любой ошибки: `ошибка: …`, затем `подсказка: …` в stderr.
errors-error-line = ошибка: { $text }
errors-hint-line = подсказка: { $hint }

# Ответ узла через операторский сокет; { $message } узел написал на языке читателя. Формулировка —
# по коду ответа gRPC.
errors-node-answered = { $code ->
        [PermissionDenied] узел отказал в доступе: { $message }
        [Unauthenticated] узел отказал в доступе: { $message }
        [Unavailable] узел не смог выполнить запрос: { $message }
        [ResourceExhausted] узел не смог выполнить запрос: { $message }
        [DeadlineExceeded] узел не смог выполнить запрос: { $message }
        [Internal] узел не смог выполнить запрос: { $message }
        [Unimplemented] узел не поддерживает этот запрос: { $message }
       *[other] узел отказал: { $message }
    }
errors-node-unreachable = не удаётся связаться с операторским сокетом узла { $path }: { $detail }. Проверьте, запущен ли `rogatoryd` с этим каталогом данных и работаете ли вы под его учётной записью
errors-config-unreadable = не удаётся прочитать файл конфигурации { $path }
errors-config-malformed = файл конфигурации { $path } составлен неверно. Сообщение разборщика TOML (на английском языке): { $detail }
errors-config-invalid-one = в файле конфигурации { $path } обнаружена ошибка: { $problem }
errors-config-invalid = в файле конфигурации { $path } { $count ->
        [one] обнаружена { $count } ошибка:
        [few] обнаружены { $count } ошибки:
       *[many] обнаружено { $count } ошибок:
    }

# Ошибки операционной системы так, как их читает человек.
errors-os-not-found = файл или каталог не существует
errors-os-permission-denied = нет прав доступа
errors-os-connection-refused = в соединении отказано (узел не запущен или слушает другой сокет)
errors-os-already-exists = файл уже существует
errors-os-is-a-directory = это каталог, а не файл
errors-os-not-a-directory = это не каталог
errors-os-storage-full = на диске нет свободного места

# Подсказки: что делать дальше.
errors-hint-request-format = формат файла показывает `rogatory request template`
errors-hint-inform-fields = для информации, передаваемой без предварительной просьбы, нужны непустые --subject, --text и автор (--as); при --restriction stated-purpose-only обязателен --purpose, а --confidential-until ГГГГ-ММ-ДД допускается только при --restriction confidential; все параметры описывает `rogatory inform --help`
errors-hint-consult-fields = для сообщения консультации нужны непустой --text и автор (--as); --answers принимает идентификатор сообщения консультации, на которое вы отвечаете (их перечисляет `rogatory inbox`); все параметры описывает `rogatory consult --help`
errors-hint-socket-permission = режим доступа или группа сокета не допускают вашу учётную запись: оператор узла задаёт группу и путь в разделе [operator_socket] файла node.toml (см. config/node.example.toml) и включает вас в эту группу; после этого войдите в систему заново
errors-hint-start-node = запустите узел командой `rogatoryd --config КАТАЛОГ_УЗЛА/node.toml` или укажите работающий узел через --node КАТАЛОГ_УЗЛА (или ROGATORY_NODE) либо --socket ПУТЬ
errors-hint-config-missing = укажите --node с каталогом узла или его файлом node.toml либо задайте ROGATORY_NODE; каталог узла создаёт `rogatory node create`
errors-hint-config-keys = все параметры node.toml описаны в config/node.example.toml
errors-hint-directory-exists = в существующем каталоге могут храниться закрытые ключи: удаляйте его, только если уверены, что он больше не используется
errors-hint-not-found = идентификаторы сообщений перечисляют `rogatory inbox` и `rogatory outbox`; узлы, которым этот узел может направлять сообщения, перечисляет `rogatory node identity`
errors-hint-invalid-argument = в ответе узла указано, что именно он отклонил; параметры каждой команды описывает `--help` после её имени
errors-hint-node-unavailable = узел не смог сохранить сообщение; причину оператор узла найдёт в журнале узла (stderr процесса rogatoryd)
errors-hint-permission-denied = как вас определяет узел, показывает `rogatory whoami`. Оператор узла сопоставляет учётные записи с именами в разделе [[contact_points]] файла node.toml (см. config/node.example.toml) и перезапускает узел
errors-hint-version-mismatch = на узле работает другая версия Rogatory, чем у этой команды

# Значения параметров, которые командная строка отклоняет (параметр называет clap).
errors-no-translation = нет перевода на «{ $text }»; укажите en или ru
errors-date-forms = укажите день, например 2026-03-01 (00:00 UTC), или дату и время по RFC 3339, например 2026-03-01T09:30:00Z или 2026-03-01T11:30:00+02:00
errors-date-not-a-date = «{ $text }» не является датой
errors-date-invalid = «{ $text }» не является датой ({ $problem })
errors-date-no-day = в «{ $text }» нет даты
errors-date-no-zone = в «{ $text }» не указан часовой пояс; добавьте Z (UTC) или смещение, например 2026-03-01T09:30:00Z или 2026-03-01T11:30:00+02:00
errors-date-before-epoch = «{ $text }» раньше 1970-01-01T00:00:00Z; укажите более позднее время

# Что делала команда, когда произошла ошибка (начало строки ошибки).
errors-doing-submit-request = направление просьбы узлу { $peer }
errors-doing-submit-update = направление сообщения о ходе рассмотрения просьбы { $id }
errors-doing-send-information = передача информации без предварительной просьбы узлу { $peer }
errors-doing-answer-consultation = ответ на сообщение консультации { $id }
errors-doing-send-consultation = направление сообщения консультации узлу { $peer }
errors-doing-look-up-message = поиск сообщения { $id }
errors-doing-look-up-case = поиск дела { $id }
errors-doing-list-inbox = получение списка входящих
errors-doing-list-outbox = получение списка исходящих
errors-doing-list-cases = получение списка дел
errors-doing-ask-identity = запрос сведений об узле
errors-doing-ask-attachment = запрос узлу о файле { $file }
errors-doing-upload = загрузка файла { $file } на узел
errors-doing-fetch-attachment = получение приложения { $sha256 } к делу { $case }
errors-request-file-unreadable = не удаётся прочитать файл просьбы { $path }
errors-request-file-invalid = файл просьбы { $path } составлен неверно
errors-cannot-read = не удаётся прочитать { $path }
errors-cannot-create = не удаётся создать { $path }
errors-cannot-create-in = не удаётся создать файл в каталоге { $path }
errors-cannot-write = не удаётся записать { $path }
errors-cannot-replace = не удаётся заменить { $path }
errors-not-pem = { $file } не является файлом PEM ({ $detail })
errors-not-x509 = { $file } не является сертификатом X.509 ({ $detail })

# Файлы доказательств: загрузка и получение.
errors-upload-stopped = загрузка файла { $file } остановилась на байте { $at } из { $size }
errors-upload-stopped-hint = выполните команду ещё раз: загрузка продолжится с того места, где обрывается копия на узле
errors-not-a-sha256 = «{ $text }» не является значением SHA-256 в шестнадцатеричной записи
errors-not-a-sha256-hint = приложения с их хеш-суммами перечисляет `rogatory case show { $case }`
errors-out-exists = { $path } уже существует
errors-out-appeared = { $path } появился, пока загружалось приложение
errors-out-exists-hint = укажите другой путь в --out; существующие файлы не перезаписываются

# Значение, которого нет в протоколе, и допустимые значения.
errors-unknown-assistance-type = неизвестный вид помощи «{ $text }»; допустимые значения: { $names }
errors-unknown-person-role = неизвестное процессуальное положение лица «{ $text }»; допустимые значения: { $names }
errors-unknown-proceedings-stage = неизвестная стадия производства «{ $text }»; допустимые значения: { $names }
errors-unknown-request-status = неизвестный статус просьбы «{ $text }»; допустимые значения: { $names }
errors-unknown-delivery-state = неизвестное состояние доставки «{ $text }»; допустимые значения: { $names }
errors-unknown-request-state = неизвестное состояние просьбы «{ $text }»; допустимые значения: { $names }
errors-unknown-refusal-ground = неизвестное основание отказа «{ $text }»; допустимые значения: { $names }
errors-unknown-use-restriction = неизвестное ограничение использования «{ $text }»; допустимые значения: { $names }
errors-unknown-thread-state = неизвестное состояние переписки «{ $text }»; допустимые значения: { $names }
errors-unknown-attention-reason = неизвестная причина внимания «{ $text }»; допустимые значения: { $names }
