# MobiPass қолданбасы, қазақша. Мұндағы әр id en.ftl және ru.ftl файлдарында
# да бар (мұны tests/gui_i18n.rs тексереді).

language-name = Қазақша
app-title = MobiPass
language-label = Тіл
theme-system = Жүйе тақырыбы
theme-light = Ашық
theme-dark = Қараңғы
busy = Орындалуда… бұл шамамен бір секунд алады.
back = Артқа
cancel = Болдырмау
next = Келесі
switch-keys = Ctrl+L: тіл · Ctrl+T: тақырып
keys-hint = Tab өрістер арасында ауысады, Enter жалғастырады, Esc артқа қайтарады.

welcome-title = MobiPass-қа қош келдіңіз
welcome-body = MobiPass интернет-банктегі төлемдеріңізге қол қояды. Бастау үшін банк конвертіндегі белсендіру кілтін сақтап, PIN ойлап табыңыз.
welcome-save-key = Кілтті сақтау
welcome-help = Анықтама
welcome-keys = Enter: кілтті сақтау · H: анықтама

pin-choose-title = PIN ойлап табыңыз
pin-choose-body = PIN 4 цифрдан тұрады. Оны әр қол қойған сайын енгізесіз. 1234, 1111 немесе туған жыл сияқты оңай табылатын PIN-ді қолданбаңыз.
pin-new = Жаңа PIN
pin-new-again = Жаңа PIN қайтадан
pin-label = PIN

key-title = Белсендіру кілтін енгізіңіз
key-body = Конверттегі төрт бөлікті енгізіңіз, әрқайсысы он цифр. MobiPass келесі бөлікке өзі өтеді. Бүкіл кілтті кез келген бөлікке қоюға да болады.
key-part = { $part }-бөлік
key-part-ok = { $part }-бөлік дұрыс.

review-title = Тексеріп, сақтаңыз
review-body = Кілтті конвертпен тағы бір рет салыстырыңыз. Ол сіз таңдаған PIN астында сақталады.
review-save = Кілтті сақтау

saved-title = Кілт сақталды
saved-body = MobiPass қол қоюға дайын. Конвертті қауіпсіз жерде сақтаңыз немесе банк кеңес бергендей жойыңыз.
saved-continue = Жалғастыру

menu-title = Не істегіңіз келеді?
menu-sign = Қол қою
menu-change-pin = PIN ауыстыру
menu-delete = Кілтті жою
menu-help = Анықтама
menu-keys = 1, 2, 3 және 4 пернелері әрекетті таңдайды.

sign-title = Төлемге қол қою
sign-pin = PIN
sign-code = Құжат нөмірі
sign-linked = Банк сома мен алушыны көрсетеді
sign-amount = Сома
sign-payee = Алушының шоты
sign-submit = Қол қою
sign-response-label = Қолтаңба мәні: оны интернет-банкке енгізіңіз
sign-copy = Көшіру
sign-copied = Көшірілді. MobiPass алмасу буферін 30 секундтан кейін тазартады.
sign-hides = Бұл мән 60 секундтан кейін жасырылады.
sign-again = Басқа төлемге қол қою
sign-response-keys = C: көшіру · Enter: басқа төлемге қол қою · Esc: артқа
sign-note = PIN қате терілсе, қолтаңба мәні қате болады: MobiPass мұны ажырата алмайды. Қатарынан үш қате қолтаңба мәнінен кейін банк MobiPass-ты бұғаттайды.

change-title = PIN ауыстыру
change-body = Ағымдағы PIN-ді, содан кейін жаңа PIN-ді екі рет енгізіңіз. MobiPass ағымдағы PIN-ді тексере алмайды: қате терсеңіз де, ауыстыру орындалады, және банк жаңа кілт бергенше қолтаңбаларыңыз қате болады.
change-current = Ағымдағы PIN
change-submit = PIN ауыстыру
change-done = PIN ауыстырылды. Енді жаңа PIN-ді қолданыңыз.

delete-title = Кілтті жою керек пе?
delete-body = MobiPass белсендіру кілтін ұмытады. Қайта қол қою үшін банктің конверті немесе жаңа конверт қажет болады.
delete-confirm = Иә, кілтті жою
delete-keys = Enter: жою · Esc: болдырмау
deleted-body = Кілт жойылды.

problem-title = MobiPass кілт файлын пайдалана алмайды
problem-retry = Қайталау
problem-delete = Кілтті жою

err-key-not-digits = { $part }-бөлікте тек цифрлар болуы мүмкін.
err-key-length = { $part }-бөлікте { $found } цифр бар; әр бөлікте 10 цифр болады.
err-key-typo = { $part }-бөлікте қате бар. Оны конвертпен салыстырыңыз.
err-key-whole-length = Кілтте 40 цифр болады, ал мұнда { $found }.
err-pin-four-digits = PIN дәл 4 цифрдан тұрады.
err-pin-all-same = Төрт цифрдың бәрі бірдей. Табу қиынырақ PIN таңдаңыз.
err-pin-sequence = Цифрлар қатарымен келеді. Табу қиынырақ PIN таңдаңыз.
err-pin-common = Бұл ең көп тараған PIN-дердің бірі. Табу қиынырақ PIN таңдаңыз.
err-pin-mismatch = Екі жаңа PIN сәйкес емес. Жаңа PIN-ді қайта енгізіңіз.
err-code = Құжат нөмірі 6–8 цифрдан тұрады.
err-amount = Соманы былай енгізіңіз: 1500 немесе 1 500,00.
err-amount-too-large = Сома тым үлкен.
err-payee = Алушының шотында кемінде бір цифр болуы керек.
err-not-activated = Кілт әлі сақталмаған.
err-already-activated = Кілт әлдеқашан сақталған. Алдымен оны жойыңыз.
err-damaged = { $path } кілт файлы зақымдалған. Кілтті жойып, конверттен қайта сақтаңыз.
err-locked = { $path } кілт файлын қазір басқа MobiPass терезесі немесе терминал пайдаланып отыр. Оны жауып, қайталаңыз.
err-io-full = Диск толы: MobiPass { $path } файлын жаза алмады. Орын босатып, қайталаңыз.
err-io-permission = MobiPass { $path } файлына қол жеткізе алмайды. Файлдың рұқсаттарын тексеріңіз.
err-io = MobiPass { $path } файлын оқи немесе жаза алмады. Қайталап көріңіз.
err-unexpected = Күтпеген қате орын алды. Қайталап көріңіз.
err-no-data-dir = MobiPass кілтті сақтайтын қалтаны таппады. Оны --vault параметрімен және файл жолымен іске қосыңыз немесе MOBIPASS_VAULT орнатыңыз.
err-out-of-memory = Қазір бос жад жеткіліксіз (кілтті қорғау үшін MobiPass-қа шамамен 256 МБ қажет). Басқа бағдарламаларды жауып, қайталап көріңіз. Кілтіңіз қауіпсіз.
