# Печатные документы (`rogatory message print`, `rogatory case print`) и их проверка
# (`rogatory audit check-document`). Разделы просьбы следуют п. 15 ст. 18 Конвенции.

## Заголовки
print-title-request = Просьба об оказании взаимной правовой помощи
print-title-status-update = Сообщение о ходе рассмотрения просьбы об оказании взаимной правовой помощи
print-title-consultation = Непосредственная консультация контактных лиц
print-title-spontaneous = Информация, переданная без предварительной просьбы
print-title-delivery-report = Уведомление о доставке
print-title-case = Материалы дела { $case }
print-subtitle = сообщение { $id } · дело { $case } · { $created }
print-untoc-order = (сведения в порядке пункта 15 статьи 18 Конвенции Организации Объединенных Наций против транснациональной организованной преступности)
print-footer = { $document } · стр. { $page } из { $pages }
print-case-contents = Содержание материалов дела
print-case-entry = { $n }. { $what }, { $date }, { $from } → { $to }
print-case-none = На этом узле нет сообщений по делу.

## Разделы просьбы
print-section-authorities = 1. Органы
print-section-substance = 2. Существо просьбы и обстоятельства дела
print-section-persons = 3. Соответствующие лица
print-section-assistance = 4. Запрашиваемая помощь
print-section-handling = 5. Срочность, конфиденциальность, язык и расходы
print-section-attachments = Приложения
print-section-verification = Сведения для проверки

## Поля просьбы
print-requesting-authority = Орган, обращающийся с просьбой
print-proceedings-authority = Орган, осуществляющий расследование, уголовное преследование или судебное разбирательство
print-requested-state = Запрашиваемое Государство-участник (узел)
print-requested-authority = Центральный орган запрашиваемого Государства-участника
print-legal-basis = Правовое основание
print-national-reference = Номер дела в запрашивающем государстве
print-subject = Существо вопроса и характер расследования, уголовного преследования или судебного разбирательства
print-stage = Стадия производства
print-offences = Преступления и применимые нормы закона
print-summary = Резюме соответствующих фактов
print-person = Лицо { $n }
print-person-role = процессуальное положение
print-person-born = дата рождения
print-person-nationality = гражданство
print-person-location = местонахождение
print-assistance = Запрашиваемая помощь
print-procedures = Конкретные процедуры, соблюдение которых просит обеспечить запрашивающее Государство-участник (п. 17 ст. 18)
print-purpose = Цель запрашиваемых доказательств, информации или мер (п. 19 ст. 18)
print-questions = Вопросы, которые предлагается задать
print-urgency = Срочность
print-urgent = Срочно
print-not-urgent = Не срочно
print-urgency-reasons = Причины срочности
print-deadline = Желательный срок исполнения
print-advance-notice = Предварительное обращение по срочным каналам связи (п. 14 ст. 18)
print-confidentiality = Конфиденциальность просьбы (п. 20 ст. 18)
print-confidential = Просьба и ее содержание должны сохраняться в тайне
print-not-confidential = Не требуется
print-language = Язык просьбы
print-translations = Прилагаемые переводы
print-costs = Расходы существенного или чрезвычайного характера (п. 28 ст. 18)
print-signed-by = Подписал (удостоверил)
print-not-stated = не указано

## Другие сообщения
print-refers-to = Просьба, к которой относится сообщение
print-status = Сообщаемый статус
print-ground = Основание для отказа (п. 21 ст. 18)
print-note = Пояснение
print-author = Автор
print-text = Текст
print-in-answer-to = В ответ на
print-information = Информация
print-use-conditions = Условия использования (п. 5 ст. 18)
print-further-conditions = Иные условия
print-confidential-until = Конфиденциально до
print-report-on = Подтверждения получения сообщения

## Приложения
print-attachment = { $name } ({ $media }, { $size ->
        [one] { $size } байт
        [few] { $size } байта
       *[many] { $size } байтов
    })
print-attachment-sha = SHA-256 { $sha }
print-no-attachments = Нет.

## Сведения для проверки
print-sender-node = Узел-отправитель
print-receiver-node = Узел-получатель
print-copies-to = Копии направлены
print-message-id = Идентификатор сообщения
print-case-id = Дело
print-created = Создано (по часам узла-отправителя)
print-envelope-sha = SHA-256 подписанного сообщения
print-signing-key = Отпечаток ключа подписи узла-отправителя (SHA-256)
print-own-log = Запись в журнале аудита узла { $node }
print-own-log-value = позиция { $index }
print-receipt = Подтверждение получения, подписанное узлом { $node }
print-receipt-value = сохранено { $time }, позиция { $index } в его журнале аудита
print-receipt-hash = Хеш этой записи журнала аудита
print-no-receipt = пока нет: узел-получатель еще не подтвердил сохранение сообщения
print-code = Код проверки
print-code-how = Любой, у кого есть этот документ и выгрузка журнала аудита узла { $node } (rogatory audit export), может проверить, что приведенное выше сообщение записано в этой позиции его журнала аудита и подписано указанным ключом: rogatory audit check-document ВЫГРУЗКА { $code }
print-printed = Распечатано узлом { $node } { $time }.

## rogatory message print / case print
print-written = Записан файл { $file }: { $pages ->
        [one] { $pages } страница
        [few] { $pages } страницы
       *[many] { $pages } страниц
    }.
print-file-exists = Файл { $file } уже существует
print-file-exists-hint = укажите другое имя файла в --out или сначала удалите старый файл
print-not-pdf = Имя файла { $file } не оканчивается на .pdf
print-not-pdf-hint = укажите файл для записи: --out ФАЙЛ.pdf
print-cannot-write-pdf = не удаётся записать PDF

## rogatory audit check-document
check-document-ok = Документ ПРОВЕРЕН: код { $code } указывает на запись { $index } журнала аудита узла { $node }; журнал проходит проверку, и записанное в нем сообщение совпадает с распечатанным.
check-document-message = Сообщение { $id } ({ $what }), дело { $case }
check-document-route = от узла { $sender } узлу { $recipient }, создано { $created }
check-document-subject = Предмет: { $subject }
check-document-logged = Записано узлом { $node } { $time } как { $kind }
check-document-kind-message-sent = отправленное сообщение
check-document-kind-message-received = полученное сообщение
check-document-signed = Подписано узлом { $signer }, отпечаток ключа { $fingerprint }
check-document-key-pinned = (ключ закреплен: совпадает с ключом, указанным в --peer-keys)
check-document-key-on-trust = (ключ взят на доверии из файла keys.txt выгрузки, который записал сам узел { $node }: закрепите его с помощью --peer-keys ФАЙЛ, получив ключи у операторов узлов)
check-document-covered = Охвачено подписанной контрольной точкой узла на { $size } записей (заверили: { $cosigners })
check-document-not-covered = Еще не охвачено контрольной точкой узла (повторите выгрузку позже)
check-document-fails = Документ НЕ прошел проверку: { $reason }
check-document-other-node = код указывает на журнал аудита узла { $code_node }, а эта выгрузка — журнал узла { $bundle_node }; получите выгрузку узла { $code_node }
check-document-bundle-fails = сама выгрузка журнала аудита не проходит проверку ({ $failure })
check-document-no-entry = в журнале аудита узла { $node } нет записи { $index } (в нем записей: { $entries })
check-document-not-message = запись { $index } журнала аудита узла { $node } не содержит сообщения ({ $kind })
check-document-mismatch = запись { $index } журнала аудита узла { $node } содержит сообщение { $id }, код которого не { $code }: код введен с ошибкой либо документ не соответствует журналу
check-document-not-named = в документе не указано сообщение { $id }, на которое указывает его код { $code }
check-document-other-key = в документе не указан ключ, которым в журнале подписано сообщение { $id } (отпечаток { $fingerprint })
check-document-no-code = в файле { $file } не найден код проверки
check-document-no-code-hint = введите код, напечатанный под заголовком «Код проверки»: rogatory audit check-document ВЫГРУЗКА КОД
check-document-bad-code = { $code } не является кодом документа: { $reason }
check-document-one-source = укажите либо код, либо --pdf ФАЙЛ, но не оба
check-document-one-source-hint = rogatory audit check-document ВЫГРУЗКА КОД или rogatory audit check-document ВЫГРУЗКА --pdf ФАЙЛ
