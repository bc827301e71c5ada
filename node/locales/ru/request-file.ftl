# Ошибки в файле просьбы о правовой помощи (`rogatory request send ФАЙЛ`), каждая после номера строки и ключа:
# `request.toml:12: [routing.requesting_authority] name: не может быть пустым`.

request-file-problems = в файле просьбы { $file } { $count ->
    [one] найдена { $count } ошибка
    [few] найдены { $count } ошибки
   *[many] найдено { $count } ошибок
}, по строкам:
request-file-unknown-key-did-you-mean = неизвестный ключ; возможно, имелся в виду `{ $known }`?
request-file-unknown-key = неизвестный ключ; в этом разделе допустимы: { $keys }
request-file-section-missing = отсутствует раздел [{ $section }]
request-file-missing = отсутствует; это обязательное поле
request-file-empty = не может быть пустым
request-file-empty-list = не может быть пустым; укажите хотя бы одно значение
request-file-empty-recipient = не может быть пустым; укажите идентификатор узла запрашиваемого государства, например "de"
request-file-wrong-type = ожидается { $expected }, а не { $found }
request-file-type-text = текст в "кавычках"
request-file-type-flag = true или false
request-file-type-name = название в "кавычках"
request-file-type-node = идентификатор узла в "кавычках"
request-file-type-case = номер дела в "кавычках"
request-file-type-path = путь к файлу в "кавычках"
request-file-type-list = список вида ["одно", "другое"]
request-file-type-section = раздел [...]
request-file-type-blocks = набор блоков [[{ $name }]]
request-file-found-text = текст
request-file-found-number = число
request-file-found-flag = true/false
request-file-found-date = дата
request-file-found-list = список
request-file-found-section = раздел
request-file-case-id = { $value }: номер дела должен состоять из 1–64 печатных символов без пробелов; не указывайте его, чтобы открыть новое дело
request-file-language-tag = { $value } не является кодом языка; укажите, например, "de", "ru" или "uz-Latn"
request-file-no-file = файл { $path } не найден (пути указываются относительно файла просьбы)
request-file-already-addressee = { $node } уже является адресатом просьбы
request-file-urgent-needs-reasons = в срочной просьбе должны быть указаны причины срочности (п. 24 ст. 18 Конвенции)
request-file-date = дата, например 1998-03-14
request-file-date-time = дата, например 2025-07-01, или дата и время, например 2025-07-01T18:00:00Z
request-file-not-a-date = { $value } — не { $expected }
request-file-write-date = нужна { $expected }
