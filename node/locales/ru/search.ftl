# rogatory search, а также заголовки и национальные номера дел в списках.

search-found = { $count ->
    [one] Найдено { $count } дело.
    [few] Найдено { $count } дела.
   *[many] Найдено { $count } дел.
}
search-none = Дел не найдено.
search-more = Найдено больше дел, чем показано: добавьте слова или условия отбора либо увеличьте --limit.
search-truncated = Одно из слов является началом слишком многих слов указателя, поэтому часть дел может быть не показана: введите это слово полнее.
search-hint-show = `rogatory case show ДЕЛО` показывает всю переписку по делу.
search-doing = поиск «{ $query }»
search-bad-day = { $text } не является датой; укажите дату в виде ГГГГ-ММ-ДД, например 2026-03-01
search-heading-last-match = ПОСЛЕДНЕЕ СОВПАДЕНИЕ (UTC)
search-heading-case = ДЕЛО
search-heading-with = СТОРОНЫ
search-heading-state = СОСТОЯНИЕ
search-heading-found-in = НАЙДЕНО В
search-heading-references = НОМЕРА ДЕЛ
search-heading-title = ПРЕДМЕТ
search-field-title = предмет
search-field-facts = обстоятельства
search-field-person = лица
search-field-offence = преступления
search-field-reference = номера дел
search-field-text = текст
search-field-authority = органы
search-field-peer = стороны
