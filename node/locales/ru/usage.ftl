# Слова самой командной строки вокруг справки и сообщения об ошибках в командной строке.

usage-heading = Использование:
usage-commands-heading = Команды:
usage-arguments-heading = Аргументы:
usage-options-heading = Параметры:
usage-command-placeholder = КОМАНДА
usage-options-placeholder = ПАРАМЕТРЫ
usage-help-flag = Показать справку
usage-help-flag-summary = Показать справку (подробнее: «--help»)
usage-help-flag-long = Показать справку (кратко: «-h»)
usage-version-flag = Показать версию
usage-help-command = Показать эту справку или справку по указанным командам
usage-help-command-argument = Команда, справку по которой показать
usage-default-value = [по умолчанию: { $value }]
usage-possible-values = [допустимые значения: { $values }]
usage-possible-values-heading = Допустимые значения:
usage-possible-commands = [команды: { $values }]

usage-error = ошибка:
usage-error-unknown-argument = неизвестный аргумент «{ $argument }»
usage-error-unknown-command = неизвестная команда «{ $command }»
usage-error-value-missing = для «{ $argument }» нужно значение, но оно не указано
usage-error-invalid-value = недопустимое значение «{ $value }» для «{ $argument }»
usage-error-value-refused = недопустимое значение «{ $value }» для «{ $argument }»: { $reason }
usage-error-missing-arguments = не указаны обязательные аргументы:
usage-error-missing-command = после «{ $command }» нужно указать команду
usage-error-repeated-argument = аргумент «{ $argument }» можно указать только один раз
usage-error-conflicting-arguments = аргумент «{ $argument }» нельзя указывать вместе с «{ $others }»
usage-error-unexpected-value = лишнее значение «{ $value }» для «{ $argument }»
usage-error-other = командная строка составлена неверно
usage-error-similar-command = { $count ->
    [one] подсказка: есть похожая команда «{ $similar }»
   *[other] подсказка: есть похожие команды «{ $similar }»
}
usage-error-similar-argument = { $count ->
    [one] подсказка: есть похожий аргумент «{ $similar }»
   *[other] подсказка: есть похожие аргументы «{ $similar }»
}
usage-error-similar-value = { $count ->
    [one] подсказка: есть похожее значение «{ $similar }»
   *[other] подсказка: есть похожие значения «{ $similar }»
}
usage-error-value-with-dash = подсказка: чтобы передать «{ $argument }» как значение, напишите «-- { $argument }»
usage-quote-separator = », «
usage-error-try-help = Подробнее: «{ $help }».
