# `message show` и `case show`: сначала то, по чему читатель должен действовать.

show-to-act = кто действует
show-this-node = этот узел
show-requested-side = { $node } (запрашиваемая сторона): { $action }
show-requesting-side = { $node } (запрашивающая сторона): { $action }
show-act-not-received = пока никто: { $node } ещё не получил просьбу
show-act-assess = подтвердить получение и рассмотреть просьбу
show-act-decide = принять решение (исполнить, отсрочить или отказать)
show-act-supplement = представить запрошенную дополнительную информацию
show-act-execute = исполнить просьбу и сообщить о результатах
show-act-close = закрыть просьбу после получения результатов
show-act-nobody = никто: работа по просьбе завершена
show-confidential-label = КОНФИДЕНЦИАЛЬНО
show-confidential = запрашиваемая сторона сохраняет конфиденциальность самой просьбы (п. 20 ст. 18 Конвенции)
show-heading-delivery = Доставка
show-heading-record = Технические реквизиты

## rogatory message show: заголовок, затем поля в порядке вывода
show-kind-request = Просьба об оказании взаимной правовой помощи
show-kind-status-update = Сообщение о ходе рассмотрения просьбы
show-kind-information = Информация, переданная без предварительной просьбы (п. 4 ст. 18 Конвенции)
show-kind-consultation = Консультация
show-kind-delivery-report = Уведомление о доставке (дело с несколькими сторонами)
show-kind-other = Сообщение
show-heading = { $kind } ({ $from } → { $to })
show-heading-about = { $kind } ({ $from } → { $to }): { $subject }
show-field-title = предмет дела
show-field-references = номера дел
show-field-urgency = срочность
show-urgent = СРОЧНО
show-urgent-by = СРОЧНО, ответ требуется до { $deadline }
show-not-urgent = не срочно
show-field-use-restrictions = ОГРАНИЧЕНИЯ ИСПОЛЬЗОВАНИЯ
show-field-request-state = состояние просьбы
show-field-superseded = не учтено
show-superseded = направлено одновременно с действием, имевшим преимущество, поэтому просьба не перешла в состояние «{ $state }»
show-field-led-to = новое состояние
show-field-request-now = просьба сейчас
show-field-case = дело
show-heading-request = Просьба
show-field-subject = предмет
show-field-reference = номер дела
show-field-requesting = запрашивающий орган
show-field-proceedings = орган, ведущий производство
show-field-requested = запрашиваемый орган
show-field-facts = обстоятельства
show-field-offences = преступления
show-field-persons = лица
show-person-born = дата рождения
show-person-nationality = гражданство
show-person-at = местонахождение
show-field-assistance = запрашиваемая помощь
show-field-procedures = процедуры
show-field-purpose = цель
show-field-questions = вопросы
show-field-confirms = подтверждает
show-field-legal-basis = правовое основание
show-field-stage = стадия
show-field-confidential = конфиденциально
show-field-language = язык
show-field-translations = переводы
show-field-costs = расходы
show-field-signed-by = подписал
show-field-attachments = приложения
show-attachment = { $name } ({ $media }, { $size ->
        [one] { $size } байт
        [few] { $size } байта
       *[many] { $size } байт
    }, SHA-256 { $sha })
show-heading-status-update = Сообщение о ходе рассмотрения
show-field-status = статус
show-field-ground = основание отказа
show-field-note = пояснение
show-field-author = автор
show-field-refers-to = по просьбе
show-field-follows = после сообщения
show-heading-information = Информация без предварительной просьбы
show-field-text = текст
show-heading-consultation = Консультация (неофициальная, вне порядка рассмотрения просьбы)
show-field-answers = в ответ на
show-field-created = создано
show-field-state = состояние
show-field-copies-to = копии
show-field-parties = стороны
show-field-waiting = ожидают
show-field-message-id = идентификатор
show-field-own-log = журнал узла
show-log-entry = запись { $index }
show-field-envelope = конверт
show-envelope = версия { $version }, { $bytes ->
        [one] { $bytes } байт
        [few] { $bytes } байта
       *[many] { $bytes } байт
    }, SHA-256 { $sha }
show-field-signature = подпись
show-field-problem = неполадка
show-receipt-own = Квитанция, выданная и подписанная этим узлом ({ $node })
show-receipt-peer = Квитанция, подписанная узлом { $node }
show-field-received = получено
show-field-receiver-log = журнал получателя
show-field-envelope-sha = SHA-256 конверта
show-receipt-matches = { $sha } (соответствует этому сообщению)
show-receipt-mismatch = { $sha } (НЕ СООТВЕТСТВУЕТ этому сообщению)
show-field-log-entry-hash = хеш записи журнала
show-no-receipt = Квитанции пока нет: получатель не подтвердил сохранение сообщения.
show-undecodable-receipt = квитанцию не удалось прочитать: { $error }
show-no-envelope = в записи нет конверта
show-no-body = сообщение пусто

## Ограничения использования информации, переданной без просьбы (п. 5 ст. 18 Конвенции)
show-restriction-purpose = только для указанной цели: { $purpose }
show-restriction-no-evidence = не использовать в качестве доказательства без предварительного согласия отправителя
show-restriction-no-onward = не передавать третьему государству или международной организации
show-restriction-confidential = сохранять конфиденциальность
show-restriction-confidential-until = сохранять конфиденциальность до { $date }
show-restriction-conditions = условия: { $conditions }
show-restriction-none = нет

## Основания для отказа (п. 21 ст. 18 Конвенции)
show-ground-not-in-conformity = подп. «a» п. 21 ст. 18 Конвенции: просьба не соответствует положениям статьи 18
show-ground-essential-interests = подп. «b» п. 21 ст. 18 Конвенции: исполнение просьбы может нанести ущерб суверенитету, безопасности, публичному порядку или другим жизненно важным интересам
show-ground-prohibited-by-domestic-law = подп. «c» п. 21 ст. 18 Конвенции: внутреннее законодательство запрещает принятие таких мер в отношении аналогичного преступления
show-ground-contrary-to-legal-system = подп. «d» п. 21 ст. 18 Конвенции: исполнение просьбы противоречит правовой системе в вопросах взаимной правовой помощи

## Списки сообщений (rogatory inbox, rogatory outbox)
show-column-kind-request = просьба
show-column-kind-information = информация
show-column-kind-consultation = консультация
show-column-kind-delivery-report = уведомление о доставке
show-column-kind-undecodable = не читается
show-column-status = статус: { $status }
show-column-superseded = (не учтено)
show-about-re = по { $id }
show-party-received = { $party } получил { $time }
show-party-state = { $party }: { $state }
show-party-sender = отправитель
show-party-not-reported = о получении пока не сообщено
mailbox-heading-time = ВРЕМЯ (UTC)
mailbox-heading-message = СООБЩЕНИЕ
mailbox-heading-from = ОТ
mailbox-heading-to = КОМУ
mailbox-heading-case = ДЕЛО
mailbox-heading-kind = ВИД
mailbox-heading-state = ДОСТАВКА
mailbox-heading-request-state = СОСТОЯНИЕ ПРОСЬБЫ
mailbox-heading-about = ПРЕДМЕТ
mailbox-inbox-empty = Входящих сообщений нет.
mailbox-outbox-empty = Исходящих сообщений нет.
mailbox-waiting = { $id } → { $line }
mailbox-hint-show = `rogatory message show ИДЕНТИФИКАТОР` показывает сообщение целиком.

## rogatory case list, rogatory case show
case-heading-last-activity = ПОСЛЕДНЕЕ ДЕЙСТВИЕ (UTC)
case-heading-requests = ПРОСЬБЫ
case-heading-next-due = БЛИЖАЙШИЙ СРОК
case-heading-flags = ОТМЕТКИ
case-milestone-acknowledge = подтвердить получение
case-milestone-decide = принять решение
case-milestone-execute = исполнить
case-due = { $what } до { $at }
case-due-overdue = { $what } до { $at } (ПРОСРОЧЕНО)
case-nothing-due = сроков нет
case-flag-overdue = ПРОСРОЧЕНО
case-flag-urgent = срочно
case-flag-closed = закрыто
case-list-none = Подходящих дел нет (сроки на { $at }, { $clock }).
case-list-as-of = Сроки указаны на { $at } ({ $clock }).
case-clock-as-of = время задано параметром --as-of
case-clock-node = текущее время по часам узла
case-show-untitled = Дело { $case }
case-field-case = дело
case-field-references = номера дел
case-field-parties = стороны
case-field-state = состояние
case-field-next = далее
case-field-to-act = кто действует
case-field-requested-deadline = запрошенный срок
case-field-request = просьба
case-requests-heading = Просьбы (сроки на { $at }, { $clock })
case-request-route = { $from } → { $to }, идентификатор { $id }
case-deadline-due = срок { $at }  { $mark }
case-deadline-overdue = ПРОСРОЧЕНО
case-deadline-pending = ожидается
case-deadline-settled = выполнено
case-timeline-heading = Ход дела (UTC)
case-event-request = просьба «{ $subject }»
case-event-information = информация без предварительной просьбы «{ $subject }» (вне порядка рассмотрения просьбы)
case-event-consultation = консультация (неофициальная, вне порядка рассмотрения просьбы)
case-event-status = статус: { $status }
case-event-status-superseded = статус: { $status } (не учтено; иначе состояние было бы «{ $state }»)
case-event-answers = { $what } (в ответ на { $id })
case-event-re = { $what } (по просьбе { $id })
case-event-by = — { $who }
case-event-ground = основание
case-event-restricted = ОГРАНИЧЕНИЯ
case-event-file = файл
case-event-note = пояснение
case-event-parties = стороны
case-event-delivery = доставка
case-event-receipt = квитанция
case-event-id = идентификатор
case-receipt = узел { $node } сохранил сообщение { $time }, запись журнала { $index }
case-attachment-saved = Сохранено: { $file } ({ $size ->
        [one] { $size } байт
        [few] { $size } байта
       *[many] { $size } байт
    }, SHA-256 проверен: { $sha })

## rogatory case reply: на какую просьбу ответ
case-reply-not-in-case = --refers-to { $id } не является просьбой по делу { $case }
case-reply-not-in-case-hint = `rogatory case show { $case }` перечисляет просьбы по делу
case-reply-none-open = по делу { $case } нет открытой просьбы, на которую можно ответить
case-reply-none-open-hint = `rogatory case show { $case }` показывает состояние просьб по делу; по отозванной или закрытой просьбе, а также после отказа в помощи новые статусы не направляются
case-reply-several-open = по делу { $case } открыто просьб: { $count } ({ $ids })
case-reply-several-open-hint = укажите нужную через --refers-to ИДЕНТИФИКАТОР
