# `rogatory demo`: что показ рассказывает, пока три узла на этой машине обмениваются просьбой.

demo-country-tm = Туркменистан
demo-country-uz = Узбекистан
demo-country-de = Германия
demo-title = Демонстрация Rogatory: федерация из 3 узлов на локальном адресе ({ $nodes })
demo-data = данные: { $dir }
demo-step-request = 1. tm → de  просьба о правовой помощи { $id } (дело { $case }): доставлена, квитанция подписана de (запись { $index } журнала de)
demo-step-inbox = 2. de       находит её во входящих: { $kind } от tm, { $state }, квитанция выдана
demo-step-status = { $step }. de → tm  статус «{ $status }»: доставлено, квитанция подписана tm (запись { $index } журнала tm)
demo-step-updates = 5. tm       видит оба сообщения о статусе во входящих: { $statuses }
demo-step-agree = tm и de одинаково видят состояние просьбы: { $state }
demo-step-uz = 6. uz       входящих нет: uz не участвует в этом деле
demo-step-audit = 7. журналы аудита проверены: { $summary }
demo-audit-node = { $node }: { $count ->
        [one] { $count } запись
        [few] { $count } записи
       *[many] { $count } записей
    } — в порядке
demo-done-kept = Готово. Узлы остановлены; их ключи, журналы аудита и сообщения находятся в { $dir }.
demo-look-around = Чтобы осмотреться, запустите узел и обратитесь к нему, например:
demo-done = Готово. Узлы остановлены, их файлы удалены; чтобы сохранить их, укажите --keep или --dir КАТАЛОГ.
