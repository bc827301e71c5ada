# Где находится отправленное сообщение — по каждому адресату — и почему оно ждёт. Слова
# состояний — из протокола (delivery-state-* в vocabulary.ftl) и «отправляется», пока идёт попытка.

delivery-sending = отправляется
delivery-attempts = { $count ->
    [0] попыток доставки ещё не было
    [one] { $count } попытка
    [few] { $count } попытки
   *[many] { $count } попыток
}
delivery-last-error = последняя ошибка: { $error }
delivery-next-attempt = следующая попытка в { $time }
delivery-overdue = ПРОСРОЧЕНО: не доставлено дольше порога оповещения узла
delivery-waiting-heading = Ожидают доставки:
delivery-waiting-line = { $party }: { $state }, { $reason }
delivery-label = доставка:
delivery-received-at = получено, квитанция подписана { $time }
delivery-not-yet-received = ещё не получили: { $parties }
delivery-copies-advice = Все участники дела получают одно и то же подписанное сообщение. Ещё не подтвердили получение: { $parties }; узел продолжает попытки сам (`rogatory outbox` показывает, почему сообщение ждёт). Не отправляйте его повторно.
