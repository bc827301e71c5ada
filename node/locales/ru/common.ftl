# Слова, общие для многих команд и страниц.

common-messages = { $count ->
    [one] { $count } сообщение
    [few] { $count } сообщения
   *[many] { $count } сообщений
}
common-cases = { $count ->
    [one] { $count } дело
    [few] { $count } дела
   *[many] { $count } дел
}
common-yes = да
common-no = нет
common-none = нет
common-unknown = неизвестно
