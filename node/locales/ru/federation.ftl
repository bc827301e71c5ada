# Управление федерацией: `rogatory federation governor-key`, `genesis`, `propose`, `sign`, `show`,
# `diff`, `apply`, `status`. Слова самого состава (название федерации, органы, имена управляющих,
# причины отзыва) приводятся как есть; различия между составами — в roster-changes.ftl.

federation-cannot-write-governor-key = не удаётся записать ключ управляющего { $file }
federation-governor-key-made = Ключ управляющего { $name } создан в { $file } (права 0600).
federation-label-public-key = открытый ключ:
federation-label-fingerprint = отпечаток ключа:
federation-governor-key-offline = Храните файл ключа вне сети; им подписываются составы федерации от имени { $name }.
federation-governor-key-send = Передайте открытый ключ тому, кто составляет исходный состав или предложение о вашем включении:
federation-governor-key-read = и продиктуйте ему отпечаток ключа по телефону.
federation-refusing-to-sign = подписание { $file } отклонено
federation-cannot-read-governor-key = не удаётся прочитать ключ управляющего { $file }
federation-not-a-governor = ключ в { $file } (отпечаток { $fingerprint }) не принадлежит управляющему ни по действующему составу, ни по предложению, поэтому его подпись не будет учтена
federation-not-a-governor-hint = подпишите своим ключом управляющего (из `rogatory federation governor-key`); `rogatory federation show` перечисляет ключи управляющих
federation-signing-as = Состав { $serial } федерации { $federation }, подпись от имени управляющего { $name } ({ $key }).
federation-signature-added = Ваша подпись добавлена в { $file }.
federation-signature-already-there = { $file } уже содержит вашу подпись; ничего не изменено.

federation-counted-against-own-governors = Подписи учтены только по управляющим, которых называет сам состав: укажите --current ROSTER (действующий состав), чтобы учесть подписи действующих управляющих.
federation-diff-same = { $old } и { $new } совпадают по содержанию.
federation-diff-heading = От { $old } к { $new } состав:
federation-altered = { $file } изменён после подписания: подписи { $keys } не проходят проверку по его содержанию (или один ключ подписал дважды)
federation-altered-hint = не используйте этот файл; запросите предложение заново у его автора и сверьте его хеш по телефону
federation-key-valid = действителен
federation-key-valid-from = действителен с { $date }
federation-key-retired = выведен из обращения с { $date }
federation-key-revoked = ОТОЗВАН с { $date }: { $reason }
federation-key-not-a-member = не участник
federation-key-unknown = неизвестный ключ
federation-governance-current = действующих управляющих
federation-governance-new = управляющих, названных в этом составе
federation-roster-heading = Состав { $serial } федерации { $federation }
federation-label-digest = хеш:
federation-label-follows = следует за:
federation-label-issued = выпущен:
federation-label-expires = истекает:
federation-expired = (СРОК ИСТЁК: узел откажется его применять)
federation-expires-in-days = { $days ->
    [one] (через { $days } день)
    [few] (через { $days } дня)
   *[many] (через { $days } дней)
}
federation-members-heading = Участники ({ $count }):
federation-member = { $node } ({ $country }, { $authority }), адрес: { $addresses }
federation-member-key = ключ подписи { $short } ({ $key }): { $standing }
federation-governors-heading = Управляющие: следующий состав должны подписать { $threshold } из { $count }:
federation-governor = { $name } ({ $key }), отпечаток ключа { $fingerprint }
federation-cas-heading = Удостоверяющие центры:
federation-revoked-heading = Отозванные сертификаты TLS:
federation-revoked = серийный номер { $serial } с { $date }: { $reason }
federation-genesis = Это исходный состав: участников — { $members }, управляющих — { $governors }.
federation-compared-with = По сравнению с составом { $serial } он:
federation-signatures = { $signed } из { $threshold } необходимых подписей { $of }
federation-signed-by = (подписали: { $names })
federation-more-needed = { $count ->
    [one] нужна ещё { $count } подпись, от: { $names }
    [few] нужны ещё { $count } подписи, от: { $names }
   *[many] нужно ещё { $count } подписей, от: { $names }
}
federation-signature-ignored = Подпись ключом { $key } (не управляющего) не учитывается.
federation-ready = Готов к применению: `rogatory federation apply { $file }`.
federation-not-ready = Не готов: прежде чем узел его применит, нужны указанные выше подписи.

federation-genesis-written = Исходный состав федерации { $federation } записан в { $file }.
federation-genesis-next = Далее: отправьте файл управляющим; каждый проверяет его (`rogatory federation show { $file }`), сверяет хеш по телефону и подписывает:
federation-proposal-written = Предложение о составе { $serial } федерации { $federation } записано в { $file }. Оно:
federation-proposal-next = Далее: каждый управляющий подписывает его на своей машине:
federation-proposal-needs = Нужны подписи { $threshold } из { $count } действующих управляющих.
federation-proposal-needs-both = Нужны подписи { $threshold } из { $count } действующих управляющих и { $new_threshold } из { $new_count } управляющих, названных в нём.

federation-node-refused = узел отклонил { $file }: { $reason }
federation-node-refused-hint = ничего не изменено. `rogatory federation show ФАЙЛ --current ДЕЙСТВУЮЩИЙ-СОСТАВ` показывает, каких подписей не хватает; `rogatory federation status --out ФАЙЛ` сохраняет действующий состав
federation-applying = применение { $file }
federation-applied = На этом узле действует состав { $serial } (применены: { $applied }); это записано в его журнал аудита.
federation-applied-peers = Другие узлы получат его от этого узла в течение минуты; `rogatory federation status` на каждом показывает номер действующего состава.
federation-asking-roster = запрос к узлу о составе федерации
federation-not-governed = этот узел не управляется составом федерации: другие узлы и их ключи берутся из node.toml ([[peers]])
federation-not-governed-hint = чтобы управлять им через состав, добавьте `[federation] roster = "FILE"` (исходный состав) в node.toml и перезапустите узел; README: "Govern the federation"
federation-roster-does-not-decode = состав федерации на узле не читается
federation-status-written = Записан в { $file } (действующий состав для `federation propose --current`).

federation-bad-governor-name = { $name } не может быть именем управляющего
federation-bad-governor-name-hint = укажите обычными словами, у кого ключ, без '=', не длиннее { $max } байт (например --name "Казахстан, Генеральная прокуратура")
federation-not-a-roster = { $file } не является составом федерации
federation-not-valid = { $file } не является действительным составом или предложением
federation-cannot-read = не удаётся прочитать { $file }
federation-not-a-roster-file = { $file } не является файлом состава федерации
federation-not-fully-signed = { $file } не является действительным, полностью подписанным составом
federation-needs-current = { $file } — состав { $serial }: его подписи учитываются по действующему составу
federation-needs-current-hint = добавьте --current ROSTER — действующий состав (тот, за которым он следует)
federation-certificates-count = в { $file } сертификатов: { $count }; нужен ровно один
federation-certificates-count-hint = укажите PEM-файл с одним блоком -----BEGIN CERTIFICATE-----
federation-not-a-ca = { $file } не является сертификатом удостоверяющего центра
federation-not-a-ca-hint = укажите сертификат удостоверяющего центра федерации (federation-ca.pem из `rogatory ca create`)
federation-exists = { $file } уже существует
federation-exists-hint = выберите другой --out или переместите старый файл
federation-not-a-public-key = { $option }: { $text } не является открытым ключом ({ $problem })
federation-not-a-public-key-hint = укажите открытый ключ в base64, который выводит `rogatory federation governor-key` или `rogatory node identity` (или его 64 шестнадцатеричные цифры)
federation-same-key = у { $first } и { $second } один и тот же ключ
federation-same-key-hint = у каждого управляющего должен быть свой ключ
federation-bad-threshold = порог { $threshold } при числе управляющих { $count }
federation-bad-threshold-hint = --threshold должен быть от 1 до { $count }; рекомендуется больше половины ({ $advised })
federation-not-of-form = { $option } { $text } не в форме { $form }
federation-not-of-form-hint = пишите { $option } "{ $form }"
federation-not-a-duration = { $text } не является сроком
federation-not-a-duration-hint = укажите число с d (дни), h (часы) или m (минуты), например 7d
federation-not-a-time = { $text } не является моментом времени
federation-not-a-time-hint = укажите его в UTC как 2026-12-01T10:00:00Z (или 2026-12-01T10:00Z) либо `now`
federation-rule-hint-signatures = сначала соберите подписи управляющих командой `rogatory federation sign`
federation-rule-hint-altered = файл изменён после подписания: не используйте его; получите его заново у автора и сверьте хеш по телефону
federation-rule-hint-current = укажите через --current состав, за которым он следует (действующий на вашем узле)
federation-rule-hint-other = правило описано в разделе 11 docs/PROTOCOL.md; исправьте параметры и составьте документ заново
federation-rule-broken = { $what } нарушает правило состава федерации: { $error }
federation-document-genesis = исходный состав
federation-document-proposal = предложение
federation-document-roster = состав
federation-document-current-roster = действующий состав

# `federation genesis` и `propose`: отказы по их параметрам.
federation-member-name-no-authority = --member-name { $text } не называет органа
federation-member-name-hint = пишите --member-name "ID=COUNTRY,AUTHORITY", например "kz=KZ,Генеральная прокуратура"
federation-two-keys = у { $node } два разных ключа подписи: { $first } ({ $first_source }) и { $second } ({ $second_source })
federation-two-keys-hint = выясните, каким ключом узел действительно подписывает (`rogatory --node NODE node identity`), и исправьте файл, который с ним расходится
federation-cannot-read-config = не удаётся прочитать конфигурацию узла { $file }
federation-missing-authority = { $node }: страна и орган (--member-name "{ $node }=CC,AUTHORITY")
federation-missing-address = { $node }: его адрес (--set-address { $node }=HOST:PORT)
federation-missing-key = { $node }: его ключ подписи (запустите от имени пользователя, которому доступен ключ подписи, укажите node.toml другого узла, где указан { $node }, или задайте его через --member)
federation-genesis-incomplete = исходный состав неполон:
federation-genesis-incomplete-hint = добавьте названные выше параметры и выполните команду снова
federation-genesis-no-members = в исходном составе нет участников
federation-genesis-no-members-hint = добавьте --member ID,COUNTRY,AUTHORITY,ADDRESS,KEY или --member-from-config NODE.toml
federation-member-hint = пишите --member "ID,COUNTRY,AUTHORITY,HOST:PORT,BASE64-KEY" (в наименовании органа могут быть запятые), например "kz,KZ,Генеральная прокуратура,kz.example:7400,BASE64"
federation-member-too-few-parts = в --member { $text } недостаточно частей
federation-revoke-key-needs = для --revoke-signing-key нужны --since и --reason
federation-revoke-key-needs-hint = добавьте --since ВРЕМЯ (с какого момента его подписи отклоняются, например 2026-12-01T10:00:00Z или now) и --reason "что произошло"
federation-no-such-key = у { $node } нет ключа подписи { $key }
federation-no-such-key-hint = `rogatory federation show { $file }` перечисляет его ключи
federation-revoke-certificate-needs = для --revoke-certificate нужен --reason
federation-revoke-certificate-needs-hint = добавьте --reason "что произошло"
federation-no-such-governor = { $text } не является управляющим по действующему составу
federation-no-such-governor-hint = `rogatory federation show { $file }` перечисляет управляющих
federation-cannot-read-join-request = не удаётся прочитать запрос на присоединение { $file }
federation-not-a-join-request = { $file } не является запросом на присоединение
federation-join-request-does-not-verify = запрос на присоединение { $file } не проходит проверку
federation-is-renewal = { $file } — запрос на продление сертификата
federation-is-renewal-hint = продление не требует изменения состава: держатель удостоверяющего центра выпускает по нему новый сертификат
federation-already-member = { $node } уже является участником
federation-already-member-hint = чтобы изменить его ключи, используйте --add-signing-key; продление сертификата не требует изменения состава
federation-foreign-issuer = { $file } выпущен { $issuer }, а это ни один из удостоверяющих центров состава
federation-foreign-issuer-hint = составом можно отозвать только сертификаты удостоверяющего центра, который в нём указан
federation-no-such-member = { $node } не является участником состава
federation-members-are = участники: { $members }
