# Команды оператора узла: `rogatory status`, `backup`, `node restore`, `node renew-certificate`,
# `node rotate-key`, `man`.

status-asking = запрос к узлу о его состоянии
status-serving = Узел { $node }: РАБОТАЕТ
status-not-serving = Узел { $node }: НЕ ОБСЛУЖИВАЕТ (проверки доступности у других узлов не проходят; сначала устраните причины)
status-no-warnings = Предупреждений нет.
status-warnings = { $count ->
    [one] { $count } предупреждение:
    [few] { $count } предупреждения:
   *[many] { $count } предупреждений:
}
status-label-identity = Узел
status-label-uptime = Работает
status-label-listening = Адрес
status-label-log = Журнал аудита
status-label-certificates = Сертификаты
status-label-disk = Диск
status-identity = { $node }, отпечаток ключа подписи { $fingerprint }, rogatoryd { $version }
status-uptime = { $duration } (с { $since })
status-listening = { $address } (для других узлов); сокет оператора в { $dir }
status-log = { $count ->
    [one] { $count } запись
    [few] { $count } записи
   *[many] { $count } записей
}; последняя подписанная контрольная точка охватывает { $size } (контрольная точка обновлялась { $ago } назад)
status-certificate = { $name } ({ $subject }): действителен до { $until }, { $left }
status-certificate-expired = СРОК ДЕЙСТВИЯ ИСТЁК
status-certificate-days-left = { $count ->
    [one] остался { $count } день
    [few] осталось { $count } дня
   *[many] осталось { $count } дней
}
status-disk = свободно { $free } из { $total } для { $dir }
status-no-peers = Других узлов нет: добавьте их командой `rogatory node add-peer`.
status-duration-seconds = { $seconds } с
status-duration-minutes = { $minutes } мин
status-duration-hours = { $hours } ч { $minutes } мин
status-duration-days = { $days } дн. { $hours } ч
status-size-gib = { $size } ГиБ

backup-asking = запрос к узлу на резервную копию в { $dir }
backup-no-directory = не удаётся определить каталог резервной копии
backup-written = Резервная копия записана в { $dir }: { $count ->
    [one] { $count } запись журнала
    [few] { $count } записи журнала
   *[many] { $count } записей журнала
} (последняя контрольная точка { $size }), { $mib } МиБ.
backup-keys-separately = Каталог ключей узла копируйте отдельно и в надёжное место (в резервной копии ключей нет); восстановление — `rogatory node restore --from { $dir }` на остановленном узле.

renew-written = Новый TLS-сертификат для { $node } в { $certificate } (ключ в { $key }).
renew-sighup = Работающий узел подхватит его по SIGHUP (`systemctl reload rogatoryd` или `kill -HUP $(pidof rogatoryd)`); другим узлам ничего менять не нужно.
renew-demo-only = Только для демонстрации и тестов (ключ удостоверяющего центра был на этой машине): настоящий узел выполняет `rogatory node renewal-request`, и закрытый ключ никуда не передаётся.

rotate-key-written = Новый ключ подписи для { $node } записан в { $file } (пока не используется).
rotate-key-public-key = Открытый ключ:
rotate-key-fingerprint = Отпечаток ключа:
rotate-key-read-by-telephone = Продиктуйте отпечаток ключа каждому из управляющих по телефону. Затем:
rotate-key-each-governor = каждый из k управляющих
rotate-key-in-force = Когда этот состав федерации вступит в силу, узел сам начнёт подписывать новым ключом; до тех пор не трогайте { $pending }.

restore-done = Восстановлено { $count ->
    [one] { $count } запись журнала
    [few] { $count } записи журнала
   *[many] { $count } записей журнала
} в { $dir } (последняя контрольная точка { $size }).
restore-next-start = При следующем запуске узел сначала спросит другие узлы, какую контрольную точку его журнала они хранят, и ничего нового не подпишет, пока каждая из них не согласуется с восстановленным журналом.

man-pages-written = { $count ->
    [one] Записана { $count } страница руководства
    [few] Записаны { $count } страницы руководства
   *[many] Записано { $count } страниц руководства
} в { $dir }; откройте одну командой `man -l { $dir }/rogatory.1`.
man-cannot-create = не удаётся создать { $dir }
man-cannot-write = не удаётся записать страницы руководства в { $dir }
