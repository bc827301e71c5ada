# Справка командной строки на русском языке. Перевод node/locales/en/help.ftl, который
# создаётся из cli/src/args.rs (ROGATORY_BLESS=1 cargo test -p rogatory-cli help::). Термины —
# по официальному русскому тексту Конвенции ООН против транснациональной организованной
# преступности (ст. 18). Имена команд, параметров и примеры командных строк не переводятся.

help = Направление и отслеживание просьб об оказании взаимной правовой помощи между узлами Rogatory разных государств

help-long =
    Направление и отслеживание просьб об оказании взаимной правовой помощи (ВПП) между узлами Rogatory разных государств.

    Каждое государство ведёт свой узел (rogatoryd). Узлы обмениваются подписанными сообщениями по взаимно аутентифицированному TLS; узел-получатель отвечает на каждое сообщение подписанной квитанцией, и каждый узел ведёт журнал аудита, в котором невозможно незаметно что-либо изменить. Эта команда обращается к вашему собственному узлу через его операторский сокет.

      Контактные лица:   request, case, status, inbox, outbox, message, whoami
      Администраторы:    status, ca, node, peers, backup, completions, man
      Распорядители:     federation (реестр сети: кто в неё входит и с какими ключами)
      Проверяющие:       log, audit
      Попробовать:       demo (три узла на этом компьютере, без настройки)

    Команды, обращающиеся к узлу, находят его по --node (каталог узла или его node.toml; по умолчанию — текущий каталог) или по --socket.

help-after =
    Примеры:
      rogatory demo                                     посмотреть, как просьба идёт от tm к de
      rogatory request template > my-request.toml       начать новую просьбу
      rogatory --node /srv/rogatory/tm request send my-request.toml --as "А. Бердыев"
      rogatory --node /srv/rogatory/tm inbox
      rogatory --node /srv/rogatory/tm case list --open --overdue
      rogatory --node /srv/rogatory/tm log verify

    Коды завершения:
      0   успешно (для команд отправки: доставлено, получена подписанная квитанция)
      1   ошибка (сообщение говорит, что пошло не так; ничего не отправлено, если не сказано иное)
      2   `log verify`, `audit verify`, `audit check-proof`, `audit check-consistency`: журнал или
          доказательство не прошли проверку; `audit cross-check`: пакет не прошёл проверку или пакеты расходятся
      3   `request send` / `status send`: принято и сохранено вашим узлом, но ещё не доставлено
      4   `status`: узел не работает (причины перечислены)
      64  ошибка в самой командной строке (неизвестный параметр, не указан аргумент)

help-arg-node = Узел, к которому обращаться: его каталог (с файлом node.toml) или сам node.toml

help-arg-socket = Операторский сокет узла, если он не тот, что указан в конфигурации --node (по умолчанию <data_dir>/operator.sock); для контактных лиц, которые не могут прочитать node.toml

help-arg-json = Выводить JSON для программ вместо текста

help-arg-lang = Язык вывода: en или ru (по умолчанию — из LC_ALL, LC_MESSAGES или LANG, иначе en)

help-request = Составление и направление официальных просьб о ВПП [контактные лица]

help-request-template = Вывести файл просьбы с комментариями для заполнения

help-request-template-after =
    Пример:
      rogatory request template > my-request.toml

help-request-send = Подписать и направить просьбу, описанную в файле просьбы

help-request-send-long =
    Подписать и направить просьбу, описанную в файле просьбы.

    Файл проверяется до какой-либо отправки: неизвестный ключ, неверное значение или отсутствующее обязательное поле указываются с номером строки. Затем ваш узел подписывает просьбу, записывает её в журнал аудита и доставляет; узел-получатель отвечает подписанной квитанцией.

help-request-send-after =
    Примеры:
      rogatory request send my-request.toml --as "А. Бердыев, прокурор"
      rogatory --node /srv/rogatory/tm request send config/requests/trafficking-evidence.toml

    Код завершения 0: доставлено, получена подписанная квитанция. Код 3: сохранено и подписано вашим узлом, но ещё не доставлено (см. `rogatory outbox`); не отправляйте повторно.

help-request-send-arg-file = Файл просьбы (TOML); формат показывает `rogatory request template`

help-request-send-arg-name = Ваше имя, записываемое в журнал аудита как имя направившего просьбу [по умолчанию узел называет вас сам: по имени контактного лица, иначе по учётной записи Unix]

help-status = Всё ли в порядке с узлом? [администраторы]; `status send`: сообщить другой стороне, на какой стадии просьба [контактные лица]

help-status-long =
    Без подкоманды: один экран, отвечающий на вопрос «всё ли в порядке с моим узлом?» [администраторы]. Сначала проблемы: почему узел не работает (не проходят проверки доступности узлов-партнёров) и предупреждения (истекающие сертификаты, недоступные узлы, просроченные сообщения, мало места на диске, нарушения со стороны узлов); затем идентификация, время работы, адреса, журнал аудита и последняя контрольная точка, сроки сертификатов, место на диске и каждый узел-партнёр.

    `status send`: сообщить другой стороне, на какой стадии просьба [контактные лица].

help-status-after =
    Примеры:
      rogatory --node /srv/rogatory/tm status
      rogatory --node /srv/rogatory/tm status --json     (для скриптов мониторинга)

    Код завершения 0: узел работает (возможны предупреждения). Код 4: узел не работает.

help-status-send = Направить сообщение о ходе рассмотрения просьбы, например о её получении или принятии к исполнению

help-status-send-long =
    Направить сообщение о ходе рассмотрения просьбы.

    Сообщение уходит другой стороне просьбы в том же деле и переводит просьбу на следующую стадию. Только запрашиваемая сторона подтверждает получение, рассматривает (under-review, additional-information-requested, consultation, accepted, postponed, refused) и исполняет (in-execution, partially-executed, executed); только запрашивающая сторона дополняет, отзывает и закрывает исполненную просьбу. Ваш узел отклоняет сообщение, недопустимое на текущей стадии, и называет допустимые; `rogatory message show REQUEST_ID` показывает, на какой стадии просьба.

    Для отказа нужны --ground (ст. 18(21) Конвенции) и мотивы в --note (ст. 18(23)). Банковская тайна сама по себе не является основанием для отказа (ст. 18(8)).

help-status-send-after =
    Примеры:
      rogatory status send --refers-to 01JZ3K6W8Y2C9D0E1F2G3H4J5K --status acknowledged
      rogatory status send --refers-to 01JZ3K6W8Y2C9D0E1F2G3H4J5K --status refused --ground essential-interests --note "Мотивы: ..."

    Код завершения 0: доставлено. Код 3: сохранено, но ещё не доставлено.

help-status-send-arg-refers_to = Идентификатор сообщения с просьбой (их перечисляет `rogatory inbox`)

help-status-send-arg-status = Новый статус

help-status-send-arg-ground = Основание для отказа (ст. 18(21) Конвенции); обязательно при `--status refused` и только тогда

help-status-send-arg-note = Пояснение для другой стороны (мотивы отказа, чего не хватает, ...); обязательно при `--status refused`

help-status-send-arg-name = Ваше имя, записываемое как автор сообщения [по умолчанию узел называет вас сам: по имени контактного лица, иначе по учётной записи Unix]

help-case = Дела: просьбы, ответы и сроки, сгруппированные по делам [контактные лица]

help-case-list = Дела вашего узла, сначала самые недавние, с ближайшими сроками

help-case-list-long =
    Дела вашего узла, сначала те, где недавно что-то происходило.

    Дело — это все сообщения с одним идентификатором дела: просьбы, сообщения обеих сторон о ходе рассмотрения и квитанции о них. Для каждого дела: другие стороны, стадия каждой просьбы, ближайший срок и не пропущен ли он. Сроки отсчитываются от составления просьбы; по умолчанию: подтвердить получение в течение 7 дней (срочная: 24 часа), принять решение в течение 30 дней (срочная: 3 дня), исполнить в течение 90 дней (срочная: 14 дней); раздел `[deadlines]` конфигурации узла может задать другие. Это напоминания, а не процессуальные сроки: по их истечении ничего не отклоняется. Просрочка определяется на текущий момент по часам узла или на момент --as-of; в выводе сказано, как именно.

help-case-list-after =
    Примеры:
      rogatory case list
      rogatory case list --open --overdue
      rogatory case list --overdue --as-of 2026-03-01
      rogatory case list --urgent --peer de
      rogatory case list --json

help-case-list-arg-open = Только дела с просьбой, в которой не отказано, которая не отозвана и не закрыта

help-case-list-arg-overdue = Только дела с просьбой, по которой пропущен один из сроков

help-case-list-arg-urgent = Только дела со срочной просьбой

help-case-list-arg-peer = Только дела, общие с этим узлом (его идентификатор, например de)

help-case-list-arg-limit = Показать не более стольких дел (по умолчанию узел показывает 100)

help-case-list-arg-as_of = Оценивать сроки на этот момент, а не на текущий: день (2026-03-01, то есть 00:00 UTC) или дата и время по RFC 3339 (2026-03-01T09:30:00Z, 2026-03-01T11:30:00+02:00)

help-case-show = Всё дело целиком: его просьбы со сроками и все сообщения по порядку

help-case-show-long =
    Всё дело целиком.

    Сначала каждая просьба в деле: её стадия и сроки (соблюдён, идёт или ПРОПУЩЕН). Затем хронология, от старых к новым: когда, с какого узла на какой, кто (подписавший просьбу или автор сообщения), что (просьба или сообщённый статус с основанием и пояснением) и квитанция, подтверждающая, что другой узел сообщение сохранил.

help-case-show-after =
    Примеры:
      rogatory case show tm-2026-0001
      rogatory case show tm-2026-0001 --json
      rogatory case show tm-2026-0001 --as-of 2026-03-01

help-case-show-arg-case_id = Идентификатор дела (их перечисляет `rogatory case list`)

help-case-show-arg-as_of = Оценивать сроки на этот момент, а не на текущий: день (2026-03-01, то есть 00:00 UTC) или дата и время по RFC 3339 (2026-03-01T09:30:00Z)

help-case-reply = Ответ по делу: сообщение о ходе рассмотрения его открытой просьбы

help-case-reply-long =
    Ответ по делу: сообщение о ходе рассмотрения его открытой просьбы.

    То же, что `rogatory status send`, но адресовано просьбе по делу, так что не нужно копировать идентификатор её сообщения. Если в деле несколько открытых просьб, укажите одну через --refers-to. Правила те же, что у `status send`: запрашиваемая сторона подтверждает получение, рассматривает и исполняет; запрашивающая сторона дополняет, отзывает и закрывает. Для отказа нужны --ground (ст. 18(21) Конвенции) и мотивы в --note (ст. 18(23)).

help-case-reply-after =
    Примеры:
      rogatory case reply tm-2026-0001 --status acknowledged --as "Б. Шмидт"
      rogatory case reply tm-2026-0001 --status additional-information-requested --note "Просим сообщить адрес банка."
      rogatory case reply tm-2026-0001 --status supplemented --note "Адрес: ..."
      rogatory case reply tm-2026-0001 --refers-to 01JZ3K6W8Y2C9D0E1F2G3H4J5K --status refused --ground essential-interests --note "Мотивы: ..."

    Код завершения 0: доставлено. Код 3: сохранено, но ещё не доставлено.

help-case-reply-arg-case_id = Идентификатор дела (их перечисляет `rogatory case list`)

help-case-reply-arg-refers_to = Просьба, к которой относится ответ, если в деле их несколько открытых

help-case-reply-arg-status = Новый статус

help-case-reply-arg-ground = Основание для отказа (ст. 18(21) Конвенции); обязательно при `--status refused` и только тогда

help-case-reply-arg-note = Пояснение для другой стороны; обязательно при `--status refused`

help-case-reply-arg-name = Ваше имя, записываемое как автор сообщения [по умолчанию узел называет вас сам: по имени контактного лица, иначе по учётной записи Unix]

help-case-reply-arg-attach = Файл с доказательствами, прилагаемый к ответу; повторите для нескольких. Каждый загружается на ваш узел (прерванная загрузка продолжается) и связывается с подписанным сообщением по SHA-256; другой узел выдаёт квитанцию, только когда все файлы получены без искажений

help-case-fetch-attachment = Сохранить приложение к делу в файл, проверив его SHA-256

help-case-fetch-attachment-long =
    Сохранить приложение к делу в файл.

    Файл берётся из хранилища приложений вашего узла: файлы, отправленные вашим узлом, и файлы, присланные другим узлом с просьбой или ответом по делу (на его сообщение квитанция выдана только после совпадения SHA-256 каждого файла). При записи хеш проверяется снова; файл пишется в ФАЙЛ.part и переименовывается в ФАЙЛ, только если хеш совпал. Существующий ФАЙЛ никогда не перезаписывается.

help-case-fetch-attachment-after =
    Пример:
      rogatory case fetch-attachment tm-2026-0001 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 --out statement.pdf

help-case-fetch-attachment-arg-case_id = Идентификатор дела (их перечисляет `rogatory case list`)

help-case-fetch-attachment-arg-sha256 = SHA-256 приложения, 64 шестнадцатеричные цифры (их перечисляет `rogatory case show`)

help-case-fetch-attachment-arg-out = Куда записать файл

help-case-print = Напечатать дело в PDF: все просьбы, ответы и консультации по порядку, с данными для проверки

help-case-print-long = Напечатать дело в PDF для бумажного дела или суда: перечень его сообщений, затем каждое полностью, от старых к новым (просьба оформлена как просьба об оказании правовой помощи, в порядке п. 15 ст. 18 Конвенции; сообщения о ходе рассмотрения, консультации и информация — с их авторами), каждое со своими приложениями (имя, размер, SHA-256) и блоком проверки: узлы отправителя и получателя, отпечаток ключа подписи, время квитанции и позиции в журнале, а также код проверки для `rogatory audit check-document`. Заголовки — на вашем языке (--lang); написанное людьми печатается как написано. ФАЙЛ не должен существовать.

help-case-print-after =
    Пример:
      rogatory case print tm-2026-0001 --out tm-2026-0001.pdf
      rogatory --lang ru case print tm-2026-0001 --out дело.pdf

help-case-print-arg-case_id = Идентификатор дела (их перечисляет `rogatory case list`)

help-case-print-arg-out = Записываемый PDF-файл (новый файл с расширением .pdf)

help-inbox = Сообщения, полученные вашим узлом, сначала новые [контактные лица]

help-inbox-after =
    Примеры:
      rogatory inbox
      rogatory inbox --limit 10 --json

help-inbox-arg-limit = Показать не более стольких сообщений (по умолчанию узел показывает 100)

help-outbox = Сообщения, отправленные вашим узлом, сначала новые, с состоянием доставки [контактные лица]

help-outbox-after =
    Примеры:
      rogatory outbox

    Сообщение в состоянии `queued` подписано и сохранено, но получатель ещё не подтвердил его получение.

help-outbox-arg-limit = Показать не более стольких сообщений (по умолчанию узел показывает 100)

help-message = Показать одно сообщение полностью [контактные лица, проверяющие]

help-message-show = Показать сообщение: конверт, просьбу или сообщение о ходе рассмотрения и подписанную квитанцию

help-message-show-after =
    Пример:
      rogatory message show 01JZ3K6W8Y2C9D0E1F2G3H4J5K

help-message-show-arg-id = Идентификатор сообщения (их перечисляют `rogatory inbox` и `rogatory outbox`)

help-message-print = Напечатать сообщение в PDF: официальный документ, его приложения и данные для проверки

help-message-print-long = Напечатать сообщение в PDF для бумажного дела или суда. Просьба оформляется как просьба об оказании правовой помощи, в порядке п. 15 ст. 18 Конвенции; в каждом сообщении перечисляются приложения (имя, размер, SHA-256), а в конце — блок проверки: узлы отправителя и получателя, отпечаток ключа подписи, время квитанции и позиции в журнале, а также код проверки, по которому любой, у кого есть документ и пакет аудита этого узла, может его проверить (`rogatory audit check-document`). Заголовки — на вашем языке (--lang); написанное людьми печатается как написано. ФАЙЛ не должен существовать.

help-message-print-after =
    Пример:
      rogatory message print 01JZ3K6W8Y2C9D0E1F2G3H4J5K --out request.pdf

help-message-print-arg-id = Идентификатор сообщения (их перечисляют `rogatory inbox` и `rogatory outbox`)

help-message-print-arg-out = Записываемый PDF-файл (новый файл с расширением .pdf)

help-inform = Передать информацию без предварительной просьбы (ст. 18(4) Конвенции) с ограничениями на её использование [контактные лица]

help-inform-long = Передать другому государству информацию, о которой оно не просило (ст. 18(4) Конвенции), с устанавливаемыми вами ограничениями на её использование (ст. 18(5)). Она подшивается к делу (новому, если не указан --case), но стадий не имеет: никто не подтверждает её получение, не принимает и не отклоняет её, и никакое сообщение о ходе рассмотрения не может на неё ссылаться.

help-inform-after =
    Примеры:
      rogatory inform --to de --subject "Денежные курьеры" --text "Два курьера выехали 3 марта." --restriction confidential --confidential-until 2026-12-31 --restriction no-onward-transmission

    Код завершения 0: доставлено. Код 3: сохранено и подписано, но ещё не доставлено; не отправляйте повторно.

help-inform-arg-to = Идентификатор узла государства-получателя

help-inform-arg-copy_to = При открытии дела с несколькими сторонами (совместная следственная группа): узел другой стороны, получающий копию; повторите для нескольких. Последующие сообщения по делу получают все стороны

help-inform-arg-subject = О чём эта информация

help-inform-arg-text = Сама информация

help-inform-arg-restrictions = Ограничение на использование; повторите для нескольких

help-inform-arg-purpose = Цель, для которой её можно использовать (обязательно при stated-purpose-only)

help-inform-arg-confidential_until = При ограничении confidential: дата (ГГГГ-ММ-ДД), до которой сохраняется конфиденциальность

help-inform-arg-condition = Иные условия использования, свободным текстом

help-inform-arg-case_id = Подшить к этому делу [по умолчанию — новое дело]

help-inform-arg-name = Ваше имя, записываемое как автор и в журнал аудита [по умолчанию узел называет вас сам: по имени контактного лица, иначе по учётной записи Unix]

help-consult = Направить неофициальное сообщение для консультации контактному лицу другого государства [контактные лица]

help-consult-long = Прямая консультация: неофициальное сообщение между контактными лицами, например до составления официальной просьбы. Сообщения подшиваются к делу (новому, если не указаны --case или --answers); официальная просьба, направленная позже с `case_id` этого дела, следует за ними в `rogatory case show`. Консультации стадий не имеют.

help-consult-after =
    Примеры:
      rogatory consult --to de --text "Нужно ли вам судебное решение для получения банковских документов?"
      rogatory consult --to tm --answers 01J... --text "Да, судебное решение."

help-consult-arg-to = Идентификатор узла другого государства

help-consult-arg-copy_to = При открытии дела с несколькими сторонами (совместная следственная группа): узел другой стороны, получающий копию; повторите для нескольких. Последующие сообщения по делу получают все стороны

help-consult-arg-text = Текст сообщения

help-consult-arg-case_id = Подшить к этому делу [по умолчанию — дело сообщения из --answers, иначе новое дело]

help-consult-arg-answers = Консультационное сообщение, на которое это отвечает

help-consult-arg-name = Ваше имя, записываемое как автор и в журнал аудита [по умолчанию узел называет вас сам: по имени контактного лица, иначе по учётной записи Unix]

help-ca = Создание удостоверяющего центра (УЦ) сети [администраторы]

help-ca-create = Создать УЦ сети, удостоверяющий TLS-идентичность каждого узла

help-ca-create-long =
    Создать УЦ сети, удостоверяющий TLS-идентичность каждого узла.

    Один УЦ обслуживает всю сеть. Его сертификат получает каждый узел; его закрытый ключ подписывает сертификаты узлов и должен храниться без подключения к сети.

help-ca-create-after =
    Пример:
      rogatory ca create --dir ./federation-ca --name "CASC network CA"

help-ca-create-arg-dir = Каталог, в котором создать УЦ (создаётся, если его нет; существующий УЦ никогда не заменяется)

help-ca-create-arg-name = Наименование УЦ, указываемое в сертификатах

help-ca-issue = Выдать сертификат узла по заявке на вступление (без передачи закрытых ключей)

help-ca-issue-long =
    Выдать сертификат узла по заявке на вступление (созданной `rogatory node init` или `rogatory node renewal-request`).

    Проверяются подпись заявки (ключом подписи, который она содержит) и запрос на подпись сертификата; заявка показывается с отпечатками, которые нужно сверить с администратором узла по телефону. Содержимое сертификата УЦ задаёт сам (только идентификатор узла как DNS-имя). Выходной файл содержит только открытые данные: сертификат узла, затем сертификат УЦ.

help-ca-issue-after =
    Пример:
      rogatory ca issue kz-join-request.txt --ca ./federation-ca --out kz.certificate.pem

help-ca-issue-arg-join_request = Файл заявки на вступление (текст в защитной оболочке, `ROGATORY JOIN REQUEST`)

help-ca-issue-arg-ca = Каталог УЦ сети (созданный `rogatory ca create`)

help-ca-issue-arg-out = Куда записать ответ [по умолчанию: <идентификатор узла>.certificate.pem]; никогда не перезаписывается

help-node = Создание узла, добавление узлов-партнёров, идентификация узла [администраторы]

help-node-create = Только для демонстрации и тестов: каталог узла с ключами, созданными там же, где ключ УЦ

help-node-create-long =
    Создать каталог узла: ключи, сертификат от УЦ и node.toml.

    Только для демонстрации и тестов: закрытые ключи узла создаются на компьютере, где хранится ключ УЦ, и держатель УЦ их видел. Настоящий узел вместо этого выполняет `rogatory node init` на своём компьютере.

help-node-create-after =
    Пример:
      rogatory node create --id tm --ca ./federation-ca --dir /srv/rogatory/tm --listen 0.0.0.0:7400 --address tm.example.org:7400

    Для настоящей сети: rogatory node init --help

help-node-create-arg-id = Идентификатор узла: строчные латинские буквы, цифры и «-», например код страны "tm"

help-node-create-arg-ca = Каталог УЦ сети (созданный `rogatory ca create`)

help-node-create-arg-dir = Где создать узел (там не должно быть другого узла)

help-node-create-arg-listen = Адрес и порт, на которых узел принимает соединения других узлов, например 0.0.0.0:7400

help-node-create-arg-address = Как другие узлы обращаются к этому, ХОСТ:ПОРТ [по умолчанию — адрес --listen]

help-node-init = Создать здесь ключи узла и заявку на вступление для держателя УЦ

help-node-init-long = Создать каталог узла на его собственном компьютере: ключ подписи и ключ TLS (0600; они никогда не покидают этот компьютер), node.toml и КАТАЛОГ/join-request.txt: идентификатор узла, государство, орган и адреса, открытый ключ подписи и запрос на подпись сертификата для ключа TLS, подписанные ключом подписи. Отправьте заявку держателю УЦ сети (электронной почты достаточно) и продиктуйте ему выведенные отпечатки по телефону; присланный сертификат установите командой `rogatory node install-certificate`. Ничего существующего не перезаписывается.

help-node-init-after =
    Пример:
      rogatory node init --id kz --dir /srv/rogatory/kz --listen 0.0.0.0:7400 --address rogatory.prokuror.kz:7400 --country KZ --authority "Генеральная прокуратура Республики Казахстан"

help-node-init-arg-id = Идентификатор узла: строчные латинские буквы, цифры и «-», например код страны "kz"

help-node-init-arg-dir = Где создать узел (там не должно быть другого узла)

help-node-init-arg-listen = Адрес и порт, на которых узел принимает соединения других узлов, например 0.0.0.0:7400

help-node-init-arg-addresses = Как другие узлы обращаются к этому, ХОСТ:ПОРТ (повторите для нескольких)

help-node-init-arg-country = Код государства по ISO 3166-1 alpha-2, заглавными буквами, например KZ

help-node-init-arg-authority = Орган, который ведёт узел, как его должны видеть другие участники

help-node-init-arg-federation_ca = Сертификат УЦ сети, если он у вас уже есть: тогда ответ с сертификатом от любого другого УЦ отклоняется

help-node-install-certificate = Установить сертификат, выданный `rogatory ca issue` (с предварительной проверкой)

help-node-install-certificate-long =
    Установить сертификат, выданный `rogatory ca issue`.

    Ответ проверяется до какой-либо записи: он удостоверяет ключ TLS этого узла (или его ожидающий ключ обновления), называет этот узел, подписан содержащимся в нём сертификатом УЦ (тем, которому узел уже доверяет, если такой есть) и действителен сейчас. Сертификат для ожидающего ключа обновления заменяет ключ и сертификат вместе. Работающий узел применяет его по SIGHUP.

help-node-install-certificate-after =
    Пример:
      rogatory node install-certificate --dir /srv/rogatory/kz kz.certificate.pem
      systemctl reload rogatoryd

help-node-install-certificate-arg-dir = Каталог узла (с файлом node.toml)

help-node-install-certificate-arg-response = Файл ответа (сертификат узла, затем сертификат УЦ, PEM)

help-node-renewal-request = Создать здесь новый ключ TLS и заявку на обновление для держателя УЦ

help-node-renewal-request-long = Создать на этом компьютере новый ключ TLS (ожидающий: узел продолжает пользоваться текущим) и КАТАЛОГ/renewal-request.txt — заявку на вступление с пометкой об обновлении, подписанную ключом подписи узла. Держатель УЦ выполняет по ней `rogatory ca issue`; затем `rogatory node install-certificate` заменяет ключ и сертификат вместе, а SIGHUP их применяет. Государство, орган и адреса по умолчанию берутся из КАТАЛОГ/join-request.txt.

help-node-renewal-request-after =
    Пример:
      rogatory node renewal-request --dir /srv/rogatory/kz

help-node-renewal-request-arg-dir = Каталог узла (с файлом node.toml)

help-node-renewal-request-arg-country = Код государства по ISO 3166-1 alpha-2 [по умолчанию — из прежней заявки на вступление]

help-node-renewal-request-arg-authority = Наименование органа [по умолчанию — из прежней заявки на вступление]

help-node-renewal-request-arg-addresses = ХОСТ:ПОРТ, по которому другие узлы обращаются к этому [по умолчанию — из прежней заявки на вступление]

help-node-add-peer = Добавить другой узел как партнёра этого узла (--node); затем перезапустить узел

help-node-add-peer-after =
    Пример:
      rogatory --node /srv/rogatory/tm node add-peer --id de --address de.example.org:7400 --public-key q3n0...base64...=

    Администратор узла-партнёра получает ключ командой `rogatory node create` или `rogatory node identity`; сверьте отпечатки по телефону.

help-node-add-peer-arg-id = Идентификатор узла-партнёра

help-node-add-peer-arg-address = Где узел-партнёр принимает соединения, ХОСТ:ПОРТ

help-node-add-peer-arg-public_key = Открытый ключ, которым узел-партнёр подписывает сообщения (base64)

help-node-identity = Показать идентификатор, ключи, адрес и узлы-партнёры работающего узла

help-node-identity-after =
    Пример:
      rogatory --node /srv/rogatory/tm node identity

help-node-renew-certificate = Выпустить для этого узла новый ключ TLS и сертификат от УЦ сети

help-node-renew-certificate-long =
    Выпустить для этого узла (--node) новый ключ TLS и сертификат от УЦ сети и поставить их на место старых.

    Только для демонстрации и тестов: нужен ключ УЦ на компьютере узла. Настоящий узел вместо этого выполняет `rogatory node renewal-request`, и закрытые ключи никуда не передаются.

    Идентичность узла и ключ подписи не меняются, поэтому узлам-партнёрам ничего менять не нужно. Работающий узел использует новый сертификат для новых соединений после SIGHUP (`systemctl reload rogatoryd`).

help-node-renew-certificate-after =
    Пример:
      rogatory --node /srv/rogatory/tm node renew-certificate --ca ./federation-ca
      systemctl reload rogatoryd

help-node-renew-certificate-arg-ca = Каталог УЦ сети (созданный `rogatory ca create`)

help-node-rotate-key = Создать следующий ключ подписи узла; узел подписывает им, как только его назовёт реестр

help-node-rotate-key-long = Записать новый ключ подписи рядом с ключом этого узла (--node; файл `<signing_key>.next`, права 0600) и вывести его открытый ключ и отпечаток. Узел продолжает подписывать прежним ключом, пока действующий реестр не включит новый; тогда он переключается сам, без перезапуска, а старый ключ остаётся действительным для подписанного им в своё время. Сменить ключ может только узел, управляемый реестром (параметр roster раздела [federation] в node.toml).

help-node-rotate-key-after =
    Пример:
      rogatory --node /srv/rogatory/tm/node.toml node rotate-key
      rogatory federation propose --current roster.pem --add-signing-key tm=<KEY> --retire-old-after 7d --out proposal.pem
      (k распорядителей: rogatory federation sign ...)
      rogatory --node /srv/rogatory/tm federation apply proposal.pem

help-node-restore = Поставить резервную копию на место хранилища этого (остановленного) узла

help-node-restore-long =
    Поставить резервную копию (созданную `rogatory backup`) на место хранилища этого узла (--node), который должен быть остановлен и не должен иметь хранилища (сначала переместите старое).

    Сначала проверяется журнал аудита резервной копии. При следующем запуске узел спрашивает каждый узел-партнёр, какая контрольная точка его журнала у того есть, и ничего не подписывает, пока каждая из них не окажется в восстановленном журнале: если у партнёров больше, чем в резервной копии, узел остаётся в состоянии NOT SERVING, а `rogatory status` говорит, что утрачено.

help-node-restore-after =
    Пример:
      systemctl stop rogatoryd
      mv /srv/rogatory/tm/data/store /srv/rogatory/tm/data/store.broken
      rogatory --node /srv/rogatory/tm node restore --from /srv/backups/tm-2026-11-27
      systemctl start rogatoryd

help-node-restore-arg-from = Каталог резервной копии, записанный `rogatory backup`

help-federation = Управление реестром сети через файлы: ключи распорядителей, первый реестр, предложения, подписи [распорядители]

help-federation-governor-key = Создать новый ключ распорядителя (на собственном компьютере распорядителя)

help-federation-governor-key-long = Создать новый ключ распорядителя: ключ Ed25519, которым подписываются реестры, записываемый с правами 0600 в ФАЙЛ на этом компьютере (храните его без подключения к сети: USB-носитель в сейфе). Выводит открытый ключ, который нужно отправить составителю первого реестра или предложения о вашем включении, и отпечаток, который нужно продиктовать ему по телефону.

help-federation-governor-key-after =
    Пример:
      rogatory federation governor-key --out kz-governor.pem --name "Казахстан, Генеральная прокуратура"

help-federation-governor-key-arg-out = Создаваемый файл закрытого ключа (его не должно существовать)

help-federation-governor-key-arg-name = Кто хранит ключ, простыми словами, как это будет указано в реестре

help-federation-genesis = Составить первый реестр сети (без подписей)

help-federation-genesis-long = Составить первый реестр сети (номер 1) без подписей: затем каждый распорядитель подписывает его командой `rogatory federation sign`. Участники берутся из --member или из файлов node.toml существующих узлов (--member-from-config: сам узел и его [[peers]]), что переводит на реестр уже работающую сеть: ключи, которыми узлы пользуются сегодня, остаются действительными для всего, что они подписали раньше.

help-federation-genesis-after =
    Пример:
      rogatory federation genesis --federation casc-mla --governor "Kazakhstan, GPO=BASE64KEY" --governor "Tajikistan, GPO=BASE64KEY" --governor "Uzbekistan, GPO=BASE64KEY" --threshold 2 --ca federation-ca/ca.pem --member-from-config /srv/rogatory/kz/node.toml --member-name "kz=KZ,General Prosecutor's Office" --member-name "tj=TJ,General Prosecutor's Office" --set-address kz=kz.example:7400 --out roster-1.roster

help-federation-genesis-arg-federation = Название сети, одинаковое во всех реестрах (например "casc-mla")

help-federation-genesis-arg-governors = Распорядитель: его имя и открытый ключ в base64 (от `governor-key`); повторите для каждого

help-federation-genesis-arg-threshold = k: сколько распорядителей должны подписать каждый реестр

help-federation-genesis-arg-cas = Сертификат УЦ сети (PEM); повторите на время смены УЦ

help-federation-genesis-arg-member_from_config = Файл node.toml узла: узел (его идентификатор и ключ подписи) и его [[peers]] (идентификаторы, адреса, ключи) становятся участниками; повторите для нескольких узлов

help-federation-genesis-arg-members = Участник, описанный полностью: ИД,СТРАНА,ОРГАН,АДРЕС,ОТКРЫТЫЙ-КЛЮЧ-ПОДПИСИ (base64)

help-federation-genesis-arg-member_names = Государство и орган участника, взятого из node.toml (где нет ни того, ни другого)

help-federation-genesis-arg-set_addresses = Адрес(а) участника, если в node.toml их нет (собственный адрес узла) или чтобы их заменить

help-federation-genesis-arg-valid_for = Сколько действует реестр; распорядители выпускают следующий до истечения срока

help-federation-genesis-arg-out = Записываемый файл (его не должно существовать)

help-federation-propose = Предложить следующий реестр: включить или исключить участников, сменить или отозвать ключи, изменить состав распорядителей

help-federation-propose-long = Составить предложение: реестр, следующий за ТЕКУЩИЙ (номер + 1, со ссылкой на ТЕКУЩИЙ, выпущенный сейчас), с запрошенными изменениями, без подписей. Изменения выводятся простыми словами; отправьте файл распорядителям, каждый из которых подписывает его командой `rogatory federation sign`.

help-federation-propose-after =
    Примеры:
      rogatory federation propose --current roster-3.roster --out roster-4.proposal --add-member kz.join-request
      rogatory federation propose --current roster-4.roster --out roster-5.proposal --revoke-signing-key tm=BASE64KEY --since 2026-12-01T10:00:00Z --reason "украден ноутбук"
      rogatory federation propose --current roster-5.roster --out roster-6.proposal --add-signing-key de=BASE64KEY --retire-old-after 7d

help-federation-propose-arg-current = Действующий реестр

help-federation-propose-arg-out = Записываемый файл предложения (его не должно существовать)

help-federation-propose-arg-add_members = Включить узел по заявке на вступление (её пишет `rogatory node init`); сначала сверьте её отпечатки с администратором узла

help-federation-propose-arg-remove_members = Исключить участника

help-federation-propose-arg-set_addresses = Заменить адреса участника

help-federation-propose-arg-add_signing_keys = Добавить новый ключ подписи участника (смена ключа): действителен с момента выпуска предложения

help-federation-propose-arg-retire_old_after = При --add-signing-key: через сколько после выпуска предложения прежние ключи участника перестают действовать (сообщения, подписанные и поставленные в очередь до переключения, по-прежнему проходят проверку); дольше, чем займут сбор подписей и применение реестра

help-federation-propose-arg-revoke_signing_keys = Отозвать скомпрометированный ключ подписи участника (с --since и --reason)

help-federation-propose-arg-since = При --revoke-signing-key: с какого момента подписи этим ключом отклоняются (RFC 3339, например 2026-12-01T10:00:00Z, или "now")

help-federation-propose-arg-reason = При --revoke-signing-key или --revoke-certificate: причина, простыми словами

help-federation-propose-arg-revoke_certificates = Отозвать сертификат TLS узла (PEM): начиная с этого реестра он отклоняется при установлении соединения

help-federation-propose-arg-add_cas = Принимать сертификаты узлов от другого УЦ (смена УЦ)

help-federation-propose-arg-remove_cas = Перестать принимать УЦ (его отозванные сертификаты уходят вместе с ним)

help-federation-propose-arg-add_governors = Добавить распорядителя

help-federation-propose-arg-remove_governors = Исключить распорядителя по открытому ключу

help-federation-propose-arg-threshold = Новый порог k

help-federation-propose-arg-valid_for = Сколько действует новый реестр [по умолчанию — столько же, сколько текущий]

help-federation-apply = Ввести подписанный реестр в действие на этом узле; узлы-партнёры получают его отсюда

help-federation-apply-long = Отправить реестр (или несколько, по порядку номеров) работающему узлу, который проверяет, что он следует за действующим (подписан достаточным числом распорядителей, не истёк, не старше), записывает его в журнал аудита и сразу вводит в действие: новые участники становятся доступны, исключённые и отозванные отключаются. Узлы-партнёры получают его от этого узла в течение минуты. Если реестр отклонён, ничего не меняется.

help-federation-apply-after =
    Пример:
      rogatory federation apply roster-4.proposal

help-federation-apply-arg-file = Файл реестра, подписанный достаточным числом распорядителей (это показывает `rogatory federation show`)

help-federation-status = Показать действующий на этом узле реестр (и сохранить его, чтобы предложить следующий)

help-federation-status-long = Показать реестр, действующий на работающем узле: номер, дату выпуска и срок действия, участников и распорядителей. С --out также записать его в ФАЙЛ — ТЕКУЩИЙ реестр, от которого отталкиваются `federation propose` и `federation sign`.

help-federation-status-after =
    Пример:
      rogatory federation status --out roster-in-force.roster

help-federation-status-arg-out = Записать действующий реестр в этот файл (в защитной оболочке)

help-federation-sign = Добавить к предложению свою подпись распорядителя

help-federation-sign-long = Показать, что меняет предложение, и добавить к нему вашу подпись (файл заменяется атомарно). Отклоняет ключ, не принадлежащий распорядителю текущего или предлагаемого реестра. Выводит, сколько ещё подписей нужно.

help-federation-sign-after =
    Пример:
      rogatory federation sign roster-4.proposal --key kz-governor.pem --current roster-3.roster

help-federation-sign-arg-proposal = Подписываемый файл предложения (или первого реестра), заменяется на месте

help-federation-sign-arg-key = Ваш ключ распорядителя (от `rogatory federation governor-key`)

help-federation-sign-arg-current = Действующий реестр, за которым следует предложение (для первого реестра не нужен)

help-federation-show = Показать реестр или предложение простыми словами, с подписями

help-federation-show-after =
    Примеры:
      rogatory federation show roster-3.roster
      rogatory federation show roster-4.proposal --current roster-3.roster --json

    Код завершения 0: файл — действительный реестр или действительное предложение, ещё собирающее подписи; 1: нет (изменён или нарушает правило).

help-federation-show-arg-current = Действующий реестр, за которым следует ФАЙЛ (чтобы подсчитать подписи текущих распорядителей и проверить изменения)

help-federation-diff = Что один реестр меняет по сравнению с другим, простыми словами

help-federation-diff-after =
    Пример:
      rogatory federation diff roster-3.roster roster-4.proposal

help-backup = Записать согласованную резервную копию работающего узла в новый каталог [администраторы]

help-backup-long =
    Записать согласованную резервную копию работающего узла в новый каталог.

    Снимок записывает сам узел (на одну точку своего журнала; запись на это время приостанавливается), поэтому КАТАЛОГ — это путь на компьютере узла. Резервная копия содержит хранилище (журнал аудита, сообщения, контрольные точки); каталог ключей узла копируйте отдельно и надёжно. Восстановление — `rogatory node restore`.

help-backup-after =
    Пример:
      rogatory --node /srv/rogatory/tm backup /srv/backups/tm-2026-11-27

help-backup-arg-dir = Создаваемый каталог (его ещё не должно существовать)

help-completions = Вывести автодополнение для bash, zsh, fish, elvish или powershell [администраторы]

help-completions-after =
    Примеры:
      rogatory completions bash > /etc/bash_completion.d/rogatory
      rogatory completions zsh > "${"{"}fpath[1]{"}"}/_rogatory"

help-man = Записать страницы руководства (rogatory.1 и по одной на каждую подкоманду) в каталог [администраторы]

help-man-after =
    Пример:
      rogatory man --dir /usr/local/share/man/man1

help-man-arg-dir = Куда записать страницы (каталог создаётся, если его нет)

help-peers = Каждый узел-партнёр: доступен ли, последний контакт, ожидающие его сообщения [администраторы]

help-peers-after =
    Пример:
      rogatory --node /srv/rogatory/tm peers

    Узел-партнёр считается `unknown`, пока этот узел не обменялся с ним сообщением после своего запуска.

help-whoami = Кем считает вас ваш узел и можете ли вы отправлять от его имени [контактные лица]

help-whoami-long =
    Кем считает вас ваш узел и можете ли вы отправлять от его имени.

    Узел определяет того, кто открывает его операторский сокет, по идентификатору пользователя Unix (его сообщает ядро). Если в конфигурации есть [[contact_points]], узел отправляет то, что вы подаёте, под именем, заданным для вашей учётной записи, и отклоняет подачу с учётных записей, которых нет в списке; без них он записывает имя, которое вы указали в --as, с пометкой «заявлено» и вашим uid.

help-whoami-after =
    Примеры:
      rogatory whoami
      rogatory --socket /run/rogatory/operator.sock whoami --json

    Код завершения 0 независимо от того, можете ли вы подавать; 1, если узел недоступен.

help-directory = К кому обратиться? Подписанные справочники контактных лиц узлов-партнёров [контактные лица]

help-directory-search = Контактные лица узлов-партнёров, подходящие под фильтры, из их проверенных подписанных справочников

help-directory-search-after =
    Примеры:
      rogatory directory search --country uz --measure trace-proceeds
      rogatory directory search --crime corruption --language en --refresh

    Узел отвечает из кэша проверенных справочников; --refresh запрашивает их у узлов-партнёров сейчас. Вместо trace-proceeds принимается и `asset-tracing`.

help-directory-search-arg-country = Только этот узел-партнёр (его идентификатор, обычно код страны)

help-directory-search-arg-measure = Только контактные лица, занимающиеся этой мерой (вид помощи, например trace-proceeds)

help-directory-search-arg-crime = Только контактные лица, в перечне преступлений которых встречается этот текст

help-directory-search-arg-language = Только контактные лица, работающие на этом языке (например en)

help-directory-search-arg-refresh = Запросить справочники у узлов-партнёров сейчас, а не отвечать из кэша

help-directory-show = Собственный подписанный справочник этого узла, каким его видят узлы-партнёры

help-directory-show-after =
    Пример:
      rogatory directory show

help-log = Проверка журнала аудита узла [проверяющие]

help-log-verify = Проверить журнал аудита узла, запись за записью, от первой до последней

help-log-verify-long =
    Проверить журнал аудита узла, запись за записью, от первой до последней.

    Каждая запись связана с предыдущей её хешем, а записи о сообщениях содержат подписанные байты и подписи, которые проверяются заново.

help-log-verify-after =
    Пример:
      rogatory --node /srv/rogatory/tm log verify

    Код завершения 0: журнал прошёл проверку. Код 2: не прошёл (выводятся запись и причина).

help-log-checkpoint = Вывести последнюю подписанную контрольную точку узла и узлы-партнёры, которые её заверили

help-log-checkpoint-long =
    Вывести последнюю подписанную контрольную точку узла: подписанную заметку C2SP, которой узел закрепляет первые N записей своего журнала аудита (их корень Меркла), подписанную ключом узла и заверенную подписями узлов-партнёров, которые её засвидетельствовали.

    Проверить её может любой, у кого есть открытый ключ узла; сохраните копию, чтобы позже сверить с ней историю узла.

help-log-checkpoint-after =
    Пример:
      rogatory --node /srv/rogatory/tm log checkpoint > tm.checkpoint

help-audit = Выгрузка журнала аудита узла в пакет и проверка пакетов без подключения к узлу [проверяющие]

help-audit-export = Записать весь журнал аудита узла, контрольные точки и ключи в каталог пакета

help-audit-export-long =
    Записать весь журнал аудита узла, его подписанные контрольные точки и открытые ключи, нужные для их проверки, в новый каталог (пакет) через операторский сокет узла.

    Пакет самодостаточен: `rogatory audit verify` проверяет его на любом компьютере, без узла. Он содержит BUNDLE (краткий манифест), keys.txt (ключи проверки C2SP: ключ узла, затем узлов-партнёров), entries.bin (каждая запись точно в том виде, в каком хранится, после 4-байтовой длины в порядке big-endian) и checkpoints/<size>.note (подписанные контрольные точки с подписями партнёров). Каталог должен быть новым или пустым.

help-audit-export-after =
    Пример:
      rogatory --node /srv/rogatory/tm audit export ./tm-audit-2025-07

help-audit-export-arg-dir = Каталог, в который записать пакет (создаётся, если его нет; должен быть пустым)

help-audit-verify = Проверить пакет без подключения к узлу: цепочку, подписи, квитанции, контрольные точки, подписи партнёров

help-audit-verify-long =
    Проверить пакет аудита без подключения к узлу, запись за записью: цепочку хешей, каждую подпись, то, что каждая полученная квитанция подтверждает сообщение, отправленное по журналу (те же байты, тому же узлу), что каждая выданная квитанция указывает на запись, в которой зафиксировано сообщение, и что каждая подписанная контрольная точка (и подпись на ней каждого известного узла-партнёра) закрепляет записи в их нынешнем виде. Записи после последней контрольной точки подсчитываются, но не отклоняются.

    Ключи берутся из keys.txt пакета, записанного самим узлом: сравните ключ узла, выведенный в конце, с тем, что сообщит его администратор по независимому каналу, и закрепите ключи узлов-партнёров (и самого узла) через --peer-keys ФАЙЛ — ключи, полученные от администратора каждого узла. Без этого отчёт называет каждый ключ, принятый на веру из пакета; с этим ключ в keys.txt, отличающийся от закреплённого, означает, что пакет не прошёл проверку.

    С --roster ФАЙЛ (история реестров от распорядителей, начиная с первого) ни один ключ не берётся из пакета: каждая подпись (конверты, квитанции, контрольные точки, подписи партнёров) проверяется по ключам, которые, согласно истории реестров, были у подписавшего на дату подписи. История — это ФАЙЛ, дополненный реестрами, которые журнал отмечает как применённые, если они проходят проверку как последующие. Называется каждая подпись отозванным, выведенным из действия, ещё не действующим или неизвестным ключом или узлом, не бывшим тогда участником, а также каждый записанный реестр, который не проходит проверку или расходится с историей.

help-audit-verify-after =
    Примеры:
      rogatory audit verify ./tm-audit-2025-07
      rogatory audit verify ./tm-audit-2025-07 --roster federation-rosters.txt

    Код завершения 0: пакет прошёл проверку. Код 2: не прошёл (выводятся первая непрошедшая запись и причина).

help-audit-verify-arg-bundle = Каталог пакета (от `rogatory audit export`)

help-audit-verify-arg-peer_keys = Ключи проверки, полученные независимо от пакета, по одному в строке в формате keys.txt (`rogatory/<node>+<hash>+<key>`, как их выводит `rogatory node identity`): они заменяют ключи пакета, и пакет, расходящийся с ними, не проходит проверку

help-audit-verify-arg-roster = История реестров, полученная от распорядителей (реестры в защитной оболочке, начиная с первого): каждая подпись проверяется по ключам, которые, согласно ей, были у каждого узла на дату подписи, а не по keys.txt пакета

help-audit-rosters = Записать реестры, которые узел, согласно журналу, применил, в один файл истории реестров

help-audit-rosters-long = Записать реестры, которые журнал пакета отмечает как применённые (записи ROSTER_APPLIED), от старых к новым, в защитной оболочке, в новый файл — историю реестров в том виде, в каком её читает `rogatory audit verify --roster`. Реестры записываются так, как их записал узел, и поэтому доверия не заслуживают: прежде чем делать выводы по этому файлу, сверьте выведенный SHA-256 первого реестра с распорядителями по телефону.

help-audit-rosters-after =
    Пример:
      rogatory audit rosters ./tm-audit-2025-07 --out tm-rosters.txt
      rogatory audit verify ./de-audit-2025-07 --roster tm-rosters.txt

help-audit-rosters-arg-bundle = Каталог пакета

help-audit-rosters-arg-out = Записываемый файл (его не должно существовать)

help-audit-prove = Вывести доказательство C2SP tlog-proof того, что запись входит в подписанную контрольную точку

help-audit-prove-long = Вывести доказательство C2SP tlog-proof (c2sp.org/tlog-proof) того, что запись N журнала пакета входит в одну из подписанных контрольных точек узла: доказательство включения в дерево Меркла, вычисленное по записям пакета, а за ним контрольную точку с подписями партнёров. Сначала пакет проверяется; из пакета, не прошедшего проверку, доказательство не выводится.

help-audit-prove-after =
    Примеры:
      rogatory audit prove ./tm-audit-2025-07 --index 4 > entry-4.proof
      rogatory audit prove ./tm-audit-2025-07 --index 4 --checkpoint 12 --entry-out entry-4.bin > entry-4.proof

help-audit-prove-arg-bundle = Каталог пакета

help-audit-prove-arg-index = Запись, включение которой доказывается

help-audit-prove-arg-checkpoint = Размер дерева контрольной точки, относительно которой доказывать [по умолчанию — последняя, включающая N]

help-audit-prove-arg-entry_out = Также записать точные байты записи в ФАЙЛ (это принимает `check-proof --entry-file`)

help-audit-check-proof = Проверить tlog-proof записи по ключу проверки журнала

help-audit-check-proof-long = Проверить доказательство C2SP tlog-proof: что его контрольная точка подписана ключом журнала и что запись (её точные байты) находится под индексом доказательства в дереве, которое закрепляет контрольная точка.

help-audit-check-proof-after =
    Пример:
      rogatory audit check-proof entry-4.proof --key rogatory/tm+d718e31a+AepK... --entry-file entry-4.bin

    Ключ — первая строка keys.txt пакета; получите его у администратора узла. Код завершения 0: доказательство верно. Код 2: неверно.

help-audit-check-proof-arg-proof = Файл tlog-proof (от `rogatory audit prove`)

help-audit-check-proof-arg-key = Ключ проверки журнала в формате C2SP, `rogatory/<node>+<key id>+<key>`

help-audit-check-proof-arg-entry_file = Точные байты записи (от `rogatory audit prove --entry-out`)

help-audit-consistency = Вывести доказательство того, что журнал узла в одной контрольной точке продолжает его журнал в более ранней

help-audit-consistency-long = Вывести доказательство согласованности (RFC 9162, 2.1.4) между двумя подписанными контрольными точками узла из пакета, на СТАРЫЙ и НОВЫЙ записей: хеши доказательства, вычисленные по записям пакета, а за ними обе заметки контрольных точек дословно. Тот, у кого есть обе контрольные точки и ключ узла, может затем проверить, что узел между ними только дописывал. Сначала пакет проверяется; формат описан в docs/AUDIT-FORMAT.md, раздел 16.1.

help-audit-consistency-after =
    Пример:
      rogatory audit consistency ./tm-audit-2025-07 4 12 > tm-4-12.proof

help-audit-consistency-arg-bundle = Каталог пакета

help-audit-consistency-arg-old = Размер более ранней контрольной точки (файл checkpoints/OLD.note в пакете)

help-audit-consistency-arg-new = Размер более поздней контрольной точки

help-audit-check-consistency = Проверить доказательство согласованности двух контрольных точек по ключу проверки журнала

help-audit-check-consistency-long = Проверить файл доказательства согласованности (от `rogatory audit consistency`): обе контрольные точки подписаны ключом журнала и относятся к этому журналу, а более позднее дерево продолжает более раннее.

help-audit-check-consistency-after =
    Пример:
      rogatory audit check-consistency tm-4-12.proof --key rogatory/tm+d718e31a+AepK...

    Код завершения 0: доказательство верно. Код 2: неверно.

help-audit-check-consistency-arg-file = Файл доказательства согласованности

help-audit-check-consistency-arg-key = Ключ проверки журнала в формате C2SP, `rogatory/<node>+<key id>+<key>`

help-audit-cross-check = Сверить пакеты двух узлов: квитанции каждого с журналом другого и их ключи

help-audit-cross-check-long = Сверить пакеты аудита двух узлов, обменивавшихся сообщениями. Сначала проверяются оба. Затем каждая квитанция, полученная одним узлом от другого, должна указывать (log_index, log_entry_hash) на запись MESSAGE_RECEIVED в журнале другого, содержащую в точности подтверждённые байты конверта, а keys.txt каждого пакета должен давать другому узлу тот ключ, которым тот подписывает. Каждое расхождение перечисляется с сообщением, заявленной в квитанции позицией и тем, что на этой позиции в другом журнале.

help-audit-cross-check-after =
    Пример:
      rogatory audit cross-check ./tm-audit-2025-07 ./de-audit-2025-07

    Код завершения 0: расхождений нет. Код 2: пакет не прошёл проверку или пакеты расходятся.

help-audit-cross-check-arg-a = Каталог пакета первого узла

help-audit-cross-check-arg-b = Каталог пакета второго узла

help-audit-check-document = Проверить напечатанный документ по пакету аудита узла, по коду проверки

help-audit-check-document-long = Проверить документ, напечатанный `rogatory message print` или `case print`, по пакету аудита узла, который его напечатал. Сначала пакет проверяется, как `audit verify`. Код проверки указывает позицию в журнале этого узла и выводится из точного подписанного сообщения, записанного там (docs/AUDIT-FORMAT.md, раздел 18): проверка находит запись, сравнивает и показывает, что записано в журнале (сообщение, отправитель, получатель, предмет, время, отпечаток ключа подписи), для сверки с бумагой. С --pdf коды читаются из текста документа, проверяется каждый, и каждое сообщение и отпечаток его ключа подписи должны присутствовать в документе.

help-audit-check-document-after =
    Примеры:
      rogatory audit check-document ./tm-audit tm-42-K94A-0YAJ-5YW5-9K3V
      rogatory audit check-document ./tm-audit --pdf request.pdf

    Код завершения 0: документ прошёл проверку. Код 2: не прошёл или пакет не прошёл проверку.

help-audit-check-document-arg-bundle = Пакет аудита узла, напечатавшего документ (`rogatory audit export`)

help-audit-check-document-arg-code = Код проверки, напечатанный на документе, например tm-42-K94A-0YAJ-5YW5-9K3V

help-audit-check-document-arg-pdf = Вместо этого прочитать коды из этого PDF (напечатанного rogatory)

help-demo = Запустить на этом компьютере небольшую сеть (tm, uz, de) и провести через неё просьбу

help-demo-long =
    Запустить на этом компьютере небольшую сеть и провести через неё просьбу.

    На локальном интерфейсе запускаются три узла: Туркменистан (tm), Узбекистан (uz) и Германия (de). Контактное лицо tm направляет de просьбу о получении доказательств по делу о торговле людьми (config/requests/trafficking-evidence.toml); de выдаёт квитанцию, находит просьбу во входящих и отвечает сообщениями о ходе рассмотрения; затем проверяется журнал аудита каждого узла. Ничто не покидает этот компьютер.

help-demo-after =
    Примеры:
      rogatory demo
      rogatory demo --keep
      rogatory demo --dir ./demo-runs      (каждый запуск получает свой каталог run-<time>)

help-demo-arg-dir = Хранить файлы демонстрации в КАТАЛОГ/run-<time>, а не во временном каталоге

help-demo-arg-keep = Не удалять временный каталог в конце

help-placeholder-dir_or_config = КАТАЛОГ_ИЛИ_КОНФИГ
help-placeholder-path = ПУТЬ
help-placeholder-language = ЯЗЫК
help-placeholder-file = ФАЙЛ
help-placeholder-name = ИМЯ
help-placeholder-message_id = ИД_СООБЩЕНИЯ
help-placeholder-status = СТАТУС
help-placeholder-ground = ОСНОВАНИЕ
help-placeholder-text = ТЕКСТ
help-placeholder-node_id = ИД_УЗЛА
help-placeholder-n = N
help-placeholder-date = ДАТА
help-placeholder-case_id = ИД_ДЕЛА
help-placeholder-sha256 = SHA256
help-placeholder-peer = УЗЕЛ
help-placeholder-subject = ПРЕДМЕТ
help-placeholder-restriction = ОГРАНИЧЕНИЕ
help-placeholder-purpose = ЦЕЛЬ
help-placeholder-id = ИД
help-placeholder-dir = КАТАЛОГ
help-placeholder-join-request = ЗАЯВКА
help-placeholder-ca_dir = КАТАЛОГ_УЦ
help-placeholder-node_dir = КАТАЛОГ_УЗЛА
help-placeholder-addr = АДРЕС
help-placeholder-host-port = ХОСТ:ПОРТ
help-placeholder-cc = КОД
help-placeholder-response = ОТВЕТ
help-placeholder-base64 = BASE64
help-placeholder-name-publickey = ИМЯ=ОТКРЫТЫЙ_КЛЮЧ
help-placeholder-k = K
help-placeholder-ca-pem = УЦ.pem
help-placeholder-node-toml = УЗЕЛ.toml
help-placeholder-id-country-authority-address-key = ИД,СТРАНА,ОРГАН,АДРЕС,КЛЮЧ
help-placeholder-id-country-authority = ИД=СТРАНА,ОРГАН
help-placeholder-id-addr-addr = ИД=АДРЕС[,АДРЕС]
help-placeholder-days = ДНЕЙ
help-placeholder-roster = РЕЕСТР
help-placeholder-id-publickey = ИД=ОТКРЫТЫЙ_КЛЮЧ
help-placeholder-duration = СРОК
help-placeholder-time = ВРЕМЯ
help-placeholder-cert-pem = СЕРТИФИКАТ.pem
help-placeholder-publickey = ОТКРЫТЫЙ_КЛЮЧ
help-placeholder-proposal = ПРЕДЛОЖЕНИЕ
help-placeholder-old = СТАРЫЙ
help-placeholder-new = НОВЫЙ
help-placeholder-shell = ОБОЛОЧКА
help-placeholder-measure = МЕРА
help-placeholder-lang = ЯЗЫК
help-placeholder-bundle = ПАКЕТ
help-placeholder-size = РАЗМЕР
help-placeholder-proof_file = ФАЙЛ_ДОКАЗАТЕЛЬСТВА
help-placeholder-verifier_key = КЛЮЧ_ПРОВЕРКИ
help-placeholder-a = A
help-placeholder-b = B
help-placeholder-file-pdf = ФАЙЛ.pdf
help-placeholder-code = КОД_ПРОВЕРКИ

help-choice-status-acknowledged = просьба поступила, и контактное лицо приняло её в работу
help-choice-status-under-review = просьба рассматривается
help-choice-status-additional-information-requested = для исполнения нужна дополнительная информация (ст. 18(16) Конвенции)
help-choice-status-consultation = предлагаются условия или нужны консультации (ст. 18(26))
help-choice-status-accepted = просьба будет исполнена
help-choice-status-postponed = исполнение отсрочено, например из-за текущего производства (ст. 18(25))
help-choice-status-refused = отказано; укажите основание в --ground (ст. 18(21)) и мотивы в --note (ст. 18(23))
help-choice-status-in-execution = меры принимаются
help-choice-status-partially-executed = помощь оказана частично
help-choice-status-executed = помощь оказана, результаты переданы
help-choice-status-withdrawn = запрашивающей стороне помощь больше не нужна
help-choice-status-closed = запрашивающая сторона закрывает исполненную просьбу: помощь получена
help-choice-status-supplemented = запрашивающая сторона направила дополнительную информацию или ответ на предложенные условия
help-choice-ground-not-in-conformity = (a) просьба не соответствует положениям статьи 18
help-choice-ground-essential-interests = (b) исполнение может нанести ущерб суверенитету, безопасности, публичному порядку или другим жизненно важным интересам
help-choice-ground-prohibited-by-domestic-law = (c) внутреннее законодательство запрещает принятие запрашиваемых мер в отношении любого аналогичного преступления в рамках собственной юрисдикции
help-choice-ground-contrary-to-legal-system = (d) выполнение просьбы противоречит правовой системе в вопросах взаимной правовой помощи
help-choice-restrictions-stated-purpose-only = только для цели, указанной в --purpose
help-choice-restrictions-no-evidence-without-consent = не использовать в качестве доказательства без вашего предварительного согласия
help-choice-restrictions-no-onward-transmission = не передавать третьему государству или международному органу
help-choice-restrictions-confidential = сохранять конфиденциальность (до --confidential-until, если указано)
