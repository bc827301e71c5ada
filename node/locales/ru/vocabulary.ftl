# Машинные значения протокола (`take-evidence`) так, как их читает человек. Термины — по
# официальному русскому тексту Конвенции ООН против транснациональной организованной
# преступности (ст. 18). Сами машинные значения остаются английскими в протоколе и в --json.

assistance-type-take-evidence = получение свидетельских показаний или заявлений от отдельных лиц
assistance-type-serve-documents = вручение судебных документов
assistance-type-search-seizure-freezing = проведение обыска и выемки, а также арест
assistance-type-examine-objects-sites = осмотр объектов и участков местности
assistance-type-information-evidence-expertise = предоставление информации, вещественных доказательств и оценок экспертов
assistance-type-records = предоставление подлинников или заверенных копий документов и материалов
assistance-type-trace-proceeds = выявление или отслеживание доходов от преступлений, имущества, средств совершения преступлений
assistance-type-voluntary-appearance = содействие добровольной явке лиц в запрашивающее Государство-участник
assistance-type-other = иная помощь, не противоречащая внутреннему законодательству
assistance-type-videoconference = заслушание в режиме видеоконференции
assistance-type-locate-person = установление местонахождения пропавшего или разыскиваемого лица
assistance-type-transfer-proceedings = передача уголовного производства
assistance-type-joint-investigation-team = совместная следственная группа
assistance-type-preserve-digital-evidence = оперативное обеспечение сохранности электронных доказательств

person-role-suspect = подозреваемый
person-role-accused = обвиняемый
person-role-victim = потерпевший
person-role-witness = свидетель
person-role-expert = эксперт
person-role-other = иное лицо

proceedings-stage-investigation = расследование
proceedings-stage-prosecution = уголовное преследование
proceedings-stage-trial = судебное разбирательство
proceedings-stage-enforcement = исполнение приговора

request-status-acknowledged = получение подтверждено
request-status-under-review = на рассмотрении
request-status-additional-information-requested = запрошена дополнительная информация
request-status-consultation = консультации об условиях
request-status-accepted = принята к исполнению
request-status-postponed = исполнение отсрочено
request-status-refused = в оказании помощи отказано
request-status-in-execution = исполняется
request-status-partially-executed = исполнена частично
request-status-executed = исполнена
request-status-withdrawn = отозвана
request-status-closed = закрыта
request-status-supplemented = дополнена

request-state-submitted = отправлена
request-state-delivered = доставлена
request-state-acknowledged = получение подтверждено
request-state-under-review = на рассмотрении
request-state-additional-information-requested = запрошена дополнительная информация
request-state-supplemented = дополнена
request-state-consultation = консультации об условиях
request-state-accepted = принята к исполнению
request-state-postponed = исполнение отсрочено
request-state-refused = в оказании помощи отказано
request-state-in-execution = исполняется
request-state-partially-executed = исполнена частично
request-state-executed = исполнена
request-state-withdrawn = отозвана
request-state-closed = закрыта

delivery-state-queued = в очереди
delivery-state-delivered = доставлено
delivery-state-received = получено
delivery-state-refused = отклонено получателем

refusal-ground-not-in-conformity = просьба не соответствует положениям статьи 18
refusal-ground-essential-interests = ущерб суверенитету, безопасности, публичному порядку или другим жизненно важным интересам
refusal-ground-prohibited-by-domestic-law = внутреннее законодательство запрещает такие меры в отношении аналогичного преступления
refusal-ground-contrary-to-legal-system = противоречит правовой системе в вопросах взаимной правовой помощи

use-restriction-stated-purpose-only = использовать только для указанной цели
use-restriction-no-evidence-without-consent = не использовать в качестве доказательства без согласия
use-restriction-no-onward-transmission = не передавать третьим сторонам
use-restriction-confidential = сохранять конфиденциальность
