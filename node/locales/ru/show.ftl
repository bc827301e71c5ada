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
