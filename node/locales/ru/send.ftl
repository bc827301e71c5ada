# Что сообщают `rogatory request send`, `status send`, `consult`, `inform` и `case reply`,
# когда узел подписал сообщение и попытался его доставить.

send-what-request = Просьба об оказании взаимной правовой помощи
send-what-status = Сообщение о статусе «{ $status }»
send-what-information = Информация без предварительной просьбы
send-what-consultation = Сообщение в рамках консультации
send-what-other = Сообщение
send-heading = { $what } { $id } → { $to }
send-field-case = дело
send-field-copies = копии
send-field-use-restrictions = ограничения
send-field-about = по просьбе
send-field-request-now = просьба сейчас
send-field-own-log = журнал узла
send-own-log = запись { $index } (подписано и сохранено)
send-field-state = состояние
send-delivered = ДОСТАВЛЕНО
send-field-receipt = квитанция
send-receipt = подписана узлом { $node }, сохранено { $time }, запись { $index } журнала узла { $node }
send-field-envelope-sha = SHA-256 конверта
send-queued = В ОЧЕРЕДИ: узел { $node } не подтвердил получение
send-field-last-error = последняя ошибка
send-no-error = (нет)
send-retry-at = узел повторит попытку в { $time }
send-no-retry = новых попыток доставки не запланировано
send-queued-advice = Сообщение подписано и хранится в исходящих этого узла (`rogatory outbox`); не отправляйте его повторно: { $retry }. Попросите операторов узлов проверить, что узел { $node } работает и доступен по адресу, указанному в `rogatory node identity`, а если дело срочное, предупредите контактное лицо узла { $node } по другому каналу связи.

## Сообщение о статусе, которое отклоняется до подписания
send-refusal-needs-ground = в отказе должно быть указано его основание (п. 21 ст. 18 Конвенции)
send-refusal-needs-ground-hint = добавьте --ground с одним из значений: { $grounds }; `rogatory status send --help` объясняет каждое. Банковская тайна сама по себе не является основанием для отказа (п. 8 ст. 18)
send-ground-only-for-refusal = --ground { $ground } указывается только с --status refused
send-ground-only-for-refusal-hint = уберите --ground
send-refusal-needs-reasons = в отказе должны быть приведены его причины (п. 23 ст. 18 Конвенции)
send-refusal-needs-reasons-hint = добавьте --note "..." с причинами отказа для другой стороны
send-not-sent = ваш узел не отправил сообщение: { $reason }
send-not-sent-hint = `rogatory message show { $id }` показывает состояние просьбы и сообщения о статусе по ней
