# Другие узлы и то, кем узел считает пользователя: `rogatory peers`, `rogatory whoami`,
# `rogatory node identity`.

peers-asking = запрос к узлу о других узлах
peers-none = У этого узла нет других узлов: добавьте их командой `rogatory node add-peer`.
peers-column-node = УЗЕЛ
peers-column-address = АДРЕС
peers-column-state = СОСТОЯНИЕ
peers-column-last-contact = ПОСЛЕДНЯЯ СВЯЗЬ
peers-column-queued = В ОЧЕРЕДИ
peers-column-oldest-queued = САМОЕ СТАРОЕ В ОЧЕРЕДИ
peers-column-next-try = СЛЕДУЮЩАЯ ПОПЫТКА
peers-column-log-seen = ЖУРНАЛ ПРОВЕРЕН ДО
peers-column-last-error = ПОСЛЕДНЯЯ ОШИБКА
peers-reachability-reachable = доступен
peers-reachability-unreachable = недоступен
peers-reachability-unknown = неизвестно
peers-queued-overdue = { $count } (с опозданием)
peers-misbehaving = ВНИМАНИЕ: узел { $node } уличён в нарушении протокола: { $what }. Узел сохранил обе подписанные контрольные точки как доказательство; сообщите секретариату федерации.

whoami-asking = запрос к узлу о том, кем он вас считает
whoami-uid = uid { $uid }
whoami-user-and-uid = { $user } (uid { $uid })
whoami-node-account = , учётная запись, от имени которой работает узел
whoami-label-unix-user = Пользователь Unix:
whoami-label-contact-point = Контактное лицо:
whoami-label-submissions = Отправка:
whoami-label-reading = Чтение:
whoami-contact-point-none = нет: этой учётной записи нет среди [[contact_points]] узла
whoami-contact-points-not-configured = на этом узле не настроены: отправленное вами несёт имя, указанное в --as (по умолчанию — ваша учётная запись Unix), и записывается как заявленное
whoami-declared-name = имя, которое вы укажете
whoami-submissions-allowed = разрешена, автор — { $name }
whoami-submissions-refused = запрещена: { $reason }
whoami-allowed = разрешено
whoami-refused = запрещено

identity-asking = запрос к узлу о его идентификационных данных
identity-node = Узел { $node }
identity-label-fingerprint = отпечаток ключа:
identity-label-public-key = открытый ключ:
identity-label-federation = федерация:
identity-label-data-directory = каталог данных:
identity-label-audit-log = журнал аудита:
identity-listening = принимает соединения на { $address }
identity-log-entries = { $count ->
    [one] { $count } запись
    [few] { $count } записи
   *[many] { $count } записей
}
identity-no-peers = Других узлов пока нет: добавьте их командой `rogatory node add-peer` и перезапустите узел.
identity-peers = Другие узлы ({ $count }): этот узел отправляет сообщения только этим узлам и принимает только от них
identity-column-fingerprint = ОТПЕЧАТОК КЛЮЧА
identity-add-this-node = Другие узлы добавляют этот узел командой:
identity-label-log-key = ключ журнала аудита:
