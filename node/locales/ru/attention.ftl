# Что требует внимания контактного лица: `rogatory attention`, `inbox --new`, `message read`,
# `case read`, `watch` и состояние переписки (консультаций) по делу.

attention-asking = запрос к узлу о том, что требует вашего внимания
attention-marking = отметка сообщений как прочитанных
attention-heading = Требует вашего внимания ({ $reader }) на { $now } UTC
attention-nothing = На { $now } UTC ничто не требует вашего внимания ({ $reader }).
attention-hint = `rogatory case show ДЕЛО` показывает дело и отмечает его сообщения прочитанными; `rogatory message read ID` отмечает прочитанным одно сообщение.
attention-reason-heading-deadline-past = Сроки истекли ({ $count })
attention-reason-heading-delivery-problem = Не доставлено ({ $count })
attention-reason-heading-awaiting-answer = Ожидают вашего ответа ({ $count })
attention-reason-heading-deadline-near = Сроки истекают в ближайшие { $hours } ч ({ $count })
attention-reason-heading-new = Новые для вас ({ $count })
attention-peer = с { $peer }
attention-kind-request = просьба
attention-kind-status-update = сообщение о ходе исполнения
attention-kind-consultation = консультация
attention-kind-spontaneous-information = информация, переданная без предварительной просьбы
attention-due = { $milestone } до { $due }
attention-milestone-acknowledge = подтверждение получения
attention-milestone-decide = решение
attention-milestone-execute = исполнение
attention-urgent = СРОЧНО
attention-marked = { $count ->
    [one] Прочитанным отмечено { $count } сообщение.
    [few] Прочитанными отмечены { $count } сообщения.
   *[many] Прочитанными отмечено { $count } сообщений.
}
inbox-new-nothing = Новых сообщений для { $reader } нет.
inbox-new-hint = `rogatory message show ID` показывает сообщение и отмечает его прочитанным.

# Обозначения значений протокола (в --json машинные значения остаются английскими).
thread-state-open = открыта
thread-state-answered = получен ответ
thread-state-closed = закрыта
attention-reason-deadline-past = срок истёк
attention-reason-delivery-problem = не доставлено
attention-reason-awaiting-answer = ожидает вашего ответа
attention-reason-deadline-near = срок истекает
attention-reason-new = новое
outbox-new-refused = --new относится только к входящим: отправленное вами не бывает для вас новым
outbox-new-hint = `rogatory inbox --new` показывает то, что вы ещё не видели; `rogatory attention` показывает и недоставленные сообщения

# rogatory watch
watch-asking = получение событий узла
watch-started = Наблюдение за событиями узла (Ctrl-C — остановить). Уведомления не содержат текста сообщений.
watch-ended = Узел перестал передавать события (останавливается или был перезапущен).
watch-missed = { $count ->
    [one] Пропущено { $count } событие: выполните `rogatory attention`.
    [few] Пропущено { $count } события: выполните `rogatory attention`.
   *[many] Пропущено { $count } событий: выполните `rogatory attention`.
}
watch-case = дело { $case }
watch-kind-message-received = получено сообщение
watch-kind-status-changed = изменён статус
watch-kind-delivered = доставлено
watch-kind-delivery-failing = не доставлено
watch-kind-deadline-near = срок истекает
watch-kind-deadline-past = срок истёк
watch-kind-missed = пропущены события
watch-hook-timeout = выполняется дольше { $seconds } с; остановлено
watch-exec-failed = команда --exec завершилась с ошибкой: { $problem }
watch-mail-failed = { $sendmail } не смог отправить уведомление: { $problem }
watch-mail-subject = [Rogatory] { $kind }, дело { $case }
watch-mail-body = Ваш узел Rogatory сообщает: { $kind }
    Дело: { $case }
    Сообщение: { $message }
    Другая сторона: { $peer }
    Время (UTC): { $at }

    Уведомление не содержит текста сообщения. Прочитать его: `rogatory message show { $message }`.

# Переписка по делу (консультации, информация) в `case list` и `case show`.
case-thread-kind-consultation = консультация
case-thread-kind-spontaneous-information = информация
case-thread-state = { $kind }: { $state }
case-thread-closed-by = { $kind }: { $state } стороной { $party }
case-thread-line = Консультации и информация: { $thread } (последнее сообщение от { $party }, { $at } UTC)
