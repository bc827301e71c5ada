# Команды аудитора: `rogatory log verify`, `log checkpoint`, `audit export`, `audit verify`,
# `audit prove`, `audit check-proof`, `audit consistency`, `audit check-consistency`,
# `audit cross-check`. Причина сбоя (какая запись, какой хеш) приводится так, как её дал проверяющий код.

audit-asking-verify = запрос к узлу на проверку журнала аудита
audit-asking-checkpoint = запрос к узлу о последней контрольной точке
audit-asking-export = запрос к узлу на выгрузку журнала аудита
audit-receiving = получение журнала аудита узла
audit-log-ok = журнал аудита ПРОВЕРЕН: { $count ->
    [one] { $count } запись
    [few] { $count } записи
   *[many] { $count } записей
}, вершина { $head }
audit-log-empty = (журнал пуст)
audit-log-failed = журнал аудита НЕ ПРОШЁЛ ПРОВЕРКУ на записи { $index }: { $failure }
audit-no-checkpoint-yet = Узел ещё не подписал ни одной контрольной точки; он делает это в первые секунды после запуска.
audit-checkpoint-covers = (охватывает { $count ->
    [one] { $count } запись
    [few] { $count } записи
   *[many] { $count } записей
}; заверена узлами: { $cosigners })
audit-checkpoint-no-cosigner-yet = пока никем

audit-export-written = пакет аудита узла { $node } записан в { $dir }: { $entries ->
    [one] { $entries } запись
    [few] { $entries } записи
   *[many] { $entries } записей
}, { $checkpoints ->
    [one] { $checkpoints } контрольная точка
    [few] { $checkpoints } контрольные точки
   *[many] { $checkpoints } контрольных точек
}, ключей: { $keys }
audit-export-manifest = опись (выгружено { $exported })
audit-export-keys = ключи для проверки: сначала { $node }, затем другие узлы
audit-export-entries = записи журнала в точности так, как они хранятся
audit-export-checkpoints = подписанные контрольные точки с заверяющими подписями
audit-export-check-offline = проверка без узла: rogatory audit verify { $dir }

audit-bundle-failed-at = пакет НЕ ПРОШЁЛ ПРОВЕРКУ на записи { $index }: { $failure }
audit-bundle-failed = пакет НЕ ПРОШЁЛ ПРОВЕРКУ: { $failure }
audit-bundle-no-checkpoint = контрольных точек пока нет
audit-bundle-latest = последняя охватывает { $count ->
    [one] { $count } запись
    [few] { $count } записи
   *[many] { $count } записей
}, заверена узлами: { $cosigners }
audit-bundle-no-cosigner = никем
audit-bundle-ok = пакет ПРОВЕРЕН: { $entries ->
    [one] { $entries } запись
    [few] { $entries } записи
   *[many] { $entries } записей
} (отправлено: { $sent }, получено: { $received }, выдано подтверждений: { $issued }, получено подтверждений: { $obtained }, прочее: { $other }), { $checkpoints ->
    [one] { $checkpoints } контрольная точка
    [few] { $checkpoints } контрольные точки
   *[many] { $checkpoints } контрольных точек
}, { $latest }; после последней контрольной точки { $uncovered ->
    [one] { $uncovered } запись
    [few] { $uncovered } записи
   *[many] { $uncovered } записей
}
audit-bundle-node-key = узел { $node } подписывает ключом { $key } (сверьте с ключом, который публикует его оператор)
audit-bundle-keys-pinned = ключи, заданные через --peer-keys: { $nodes }
audit-bundle-keys-on-trust = ключи, принятые на веру из keys.txt пакета: { $nodes } (задайте их через --peer-keys ФАЙЛ, с ключами, полученными от оператора каждого узла)

audit-no-proof-written = доказательство не записано: пакет не проходит проверку
audit-proof-written = (запись { $index } журнала узла { $node } относительно его контрольной точки на { $count ->
    [one] { $count } запись
    [few] { $count } записи
   *[many] { $count } записей
})
audit-proof-ok = доказательство ПРОВЕРЕНО: это запись { $index } журнала { $origin }, входящая в его подписанную контрольную точку на { $count ->
    [one] { $count } запись
    [few] { $count } записи
   *[many] { $count } записей
}
audit-proof-failed = доказательство НЕ ПРОШЛО ПРОВЕРКУ: { $failure }
audit-consistency-written = (журнал узла { $node } на { $new ->
    [one] { $new } запись
    [few] { $new } записи
   *[many] { $new } записей
} продолжает его журнал на { $old ->
    [one] { $old } запись
    [few] { $old } записи
   *[many] { $old } записей
})
audit-consistency-ok = согласованность ПОДТВЕРЖДЕНА: журнал { $origin } на { $new ->
    [one] { $new } запись
    [few] { $new } записи
   *[many] { $new } записей
} продолжает его подписанную контрольную точку на { $old ->
    [one] { $old } запись
    [few] { $old } записи
   *[many] { $old } записей
}
audit-consistency-failed = согласованность НЕ ПОДТВЕРЖДЕНА: { $failure }

audit-cross-check-bundle-failed = взаимная сверка НЕ ПРОЙДЕНА: узел { $node }: { $sentence }
audit-cross-check-nothing-compared = ничего не сверялось: сначала каждый пакет должен пройти проверку сам по себе
audit-cross-check-ok = взаимная сверка ПРОЙДЕНА: { $matched_a ->
    [one] { $matched_a } подтверждение
    [few] { $matched_a } подтверждения
   *[many] { $matched_a } подтверждений
} узла { $a } найдено в журнале { $b }, { $matched_b ->
    [one] { $matched_b } подтверждение
    [few] { $matched_b } подтверждения
   *[many] { $matched_b } подтверждений
} узла { $b } найдено в журнале { $a }
audit-cross-check-failed = взаимная сверка НЕ ПРОЙДЕНА: { $count ->
    [one] { $count } расхождение
    [few] { $count } расхождения
   *[many] { $count } расхождений
} между { $a } и { $b }

audit-no-checkpoint-of-size = в пакете нет контрольной точки размером { $size }
audit-no-checkpoint-of-size-hint-prove = не указывайте --checkpoint, чтобы взять последнюю точку, охватывающую запись; размеры перечислены в каталоге checkpoints/ пакета
audit-no-checkpoint-of-size-hint = размеры перечислены в каталоге checkpoints/ пакета (<размер>.note)
audit-no-checkpoint-covers = ни одна контрольная точка пакета не охватывает запись { $index }
audit-no-checkpoint-covers-hint = узел подписывает контрольную точку в течение нескольких секунд после пополнения журнала: выгрузите пакет позже ещё раз
audit-checkpoint-too-small = контрольная точка размером { $size } не охватывает запись { $index }
audit-checkpoint-too-small-hint = выберите контрольную точку большего размера или не указывайте --checkpoint
audit-old-larger-than-new = старый размер { $old } больше нового { $new }
audit-old-larger-than-new-hint = сначала укажите более раннюю (меньшую) контрольную точку
audit-same-node = оба пакета относятся к узлу { $node }
audit-same-node-hint = укажите пакеты двух узлов, обменивавшихся сообщениями
audit-cannot-read = не удаётся прочитать { $file }
audit-cannot-write = не удаётся записать { $file }

# `audit verify --roster` и `audit rosters`: подписи, проверенные по истории составов федерации.
audit-roster-history-hint = получите составы федерации у её управляющих (в текстовой форме, начиная с исходного) и сверьте с ними SHA-256 исходного состава по телефону; `rogatory audit rosters ПАКЕТ --out ФАЙЛ` записывает составы, зафиксированные узлом
audit-roster-cannot-judge = { $file }: по нему нельзя проверить пакет узла { $node }: { $error }
audit-roster-place-entry = запись { $index } ({ $kind })
audit-roster-place-cosignature = заверяющая подпись контрольной точки { $size }
audit-roster-place-checkpoint = контрольная точка { $size }
audit-roster-with-key = ключом { $fingerprint }
audit-roster-with-no-key = ключом, которого нет в истории составов
audit-roster-signed = { $place } подписана узлом { $node } { $key }, дата { $date }: { $why }
audit-roster-failure = { $signatures ->
    [one] { $signatures } подпись выполнена
    [few] { $signatures } подписи выполнены
   *[many] { $signatures } подписей выполнено
} не тем ключом, который история составов отводит подписавшему на эту дату; { $rosters ->
    [one] { $rosters } зафиксированный состав не входит
    [few] { $rosters } зафиксированных состава не входят
   *[many] { $rosters } зафиксированных составов не входят
} в историю
audit-roster-named = ВЫЯВЛЕНО
audit-roster-node-key = узел { $node } подписывает ключом { $key } согласно keys.txt; каждая подпись проверена по истории составов, а не по keys.txt
audit-roster-history = история составов федерации { $federation }: SHA-256 исходного состава { $genesis } (сверьте с управляющими по телефону)
audit-roster-history-file = из { $file }: { $serials }; последний в истории — состав { $newest }
audit-roster-none-applied = журнал не фиксирует ни одного применённого состава
audit-roster-a-roster = состав
audit-roster-serial = состав { $serial }
audit-roster-serials = составы с { $first } по { $last }
audit-roster-no-roster = составов нет
audit-roster-applied-named = запись { $index } (ROSTER_APPLIED) { $serial }: { $why }
audit-roster-applied-extends = запись { $index } применила { $serial }: проверен как преемник и добавлен в историю
audit-roster-applied-own = запись { $index } применила { $serial }: состав из самой истории
audit-rosters-none = журнал узла { $node } не фиксирует ни одного применённого состава
audit-rosters-none-hint = узел фиксирует каждый состав, который вводит в силу; этот узел не управляется составом ([federation] roster в node.toml) или был выгружен до применения состава
audit-rosters-invalid = запись { $index } (ROSTER_APPLIED) не содержит действительного состава: { $error }
audit-rosters-invalid-hint = проверьте пакет командой `rogatory audit verify`; журнал мог быть изменён
audit-rosters-written = { $count ->
    [one] { $count } состав, зафиксированный в журнале узла { $node } как применённый, записан в { $out }:
    [few] { $count } состава, зафиксированных в журнале узла { $node } как применённые, записаны в { $out }:
   *[many] { $count } составов, зафиксированных в журнале узла { $node } как применённые, записаны в { $out }:
}
audit-rosters-entry = запись { $index }: состав { $serial } федерации { $federation }, выпущен { $issued }, sha256 { $sha256 }
audit-rosters-not-a-history = эти составы не образуют истории от исходного состава ({ $why }): запросите у управляющих всю историю
audit-rosters-genesis = SHA-256 исходного состава { $genesis }: сверьте его с управляющими по телефону, прежде чем проверять по этому файлу какой-либо пакет

audit-export-invalid-key = узел прислал недействительный открытый ключ для { $node }
audit-export-no-identity = выгрузка узла не начинается с его идентификационных данных
audit-export-out-of-order = узел прислал запись { $index } там, где ожидалась запись { $expected }
audit-export-unexpected-chunk = в выгрузке узла неожиданный фрагмент
audit-cannot-build-proof = не удаётся построить доказательство
