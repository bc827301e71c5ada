# Справочники контактных лиц: `rogatory directory search` и `directory show`. Сведения из
# справочника другого узла (имена, органы, языки, часы работы) приводятся как написаны.

directory-label-languages = языки
directory-label-crimes = преступления
directory-label-measures = виды помощи
directory-label-office-hours = часы работы
directory-label-urgent-channel = срочная связь
directory-label-email = эл. почта
directory-label-source = источник
directory-source = { $node } (справочник опубликован { $published })
directory-searching = поиск по справочникам контактных лиц других узлов
directory-no-match = Подходящих контактных лиц нет.
directory-from-cache = { $node }: из кэша, полученного { $cached } (заново проверен сейчас)
directory-unknown-time = в неизвестное время
directory-peer-not-asked = ; запросить узел не удалось: { $problem }
directory-fetched = { $node }: получен сейчас и проверен
directory-unavailable = { $node }: справочник недоступен: { $problem }
directory-unknown-reason = причина неизвестна
directory-asking = запрос к узлу о его справочнике контактных лиц
directory-none-published = Этот узел не публикует контактных лиц: укажите файл справочника строкой `directory = "directory.toml"` в node.toml (см. config/directory.example.toml) и перезапустите узел.
