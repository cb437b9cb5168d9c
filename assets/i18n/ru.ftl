# Приложение MobiPass, русский. Каждый id отсюда есть в en.ftl и kk.ftl
# (это проверяет tests/gui_i18n.rs).

language-name = Русский
app-title = MobiPass
language-label = Язык
theme-system = Тема системы
theme-light = Светлая
theme-dark = Тёмная
busy = Выполняется… это займёт около секунды.
back = Назад
cancel = Отмена
next = Далее
switch-keys = Ctrl+L: язык · Ctrl+T: тема
keys-hint = Tab переходит между полями, Enter продолжает, Esc возвращает назад.

welcome-title = Добро пожаловать в MobiPass
welcome-body = MobiPass подписывает ваши платежи в интернет-банке. Для начала сохраните ключ активации из конверта банка и придумайте PIN.
welcome-save-key = Сохранить ключ
welcome-help = Справка
welcome-keys = Enter: сохранить ключ · H: справка

pin-choose-title = Придумайте PIN
pin-choose-body = PIN состоит из 4 цифр. Вы будете вводить его при каждой подписи. Не используйте простые комбинации вроде 1234, 1111 или года рождения.
pin-new = Новый PIN
pin-new-again = Новый PIN ещё раз
pin-label = PIN

key-title = Введите ключ активации
key-body = Введите четыре части из конверта, по десять цифр каждая. MobiPass сам перейдёт к следующей части. Можно также вставить весь ключ в любую часть.
key-part = Часть { $part }
key-part-ok = Часть { $part } введена верно.

review-title = Проверьте и сохраните
review-body = Ещё раз сверьте ключ с конвертом. Он будет сохранён под выбранным PIN.
review-save = Сохранить ключ

saved-title = Ключ сохранён
saved-body = MobiPass готов к подписи. Храните конверт в надёжном месте или уничтожьте его, как советует банк.
saved-continue = Продолжить

menu-title = Что вы хотите сделать?
menu-sign = Подписать
menu-change-pin = Сменить PIN
menu-delete = Удалить ключ
menu-help = Справка
menu-keys = Клавиши 1, 2, 3 и 4 выбирают действие.

sign-title = Подпись платежа
sign-pin = PIN
sign-code = Номер документа
sign-linked = Банк показывает сумму и получателя
sign-amount = Сумма
sign-payee = Счёт получателя
sign-submit = Подписать
sign-response-label = Значение подписи: введите его в интернет-банке
sign-copy = Копировать
sign-copied = Скопировано. MobiPass очистит буфер обмена через 30 секунд.
sign-hides = Это значение скроется через 60 секунд.
sign-again = Подписать другой платёж
sign-response-keys = C: копировать · Enter: подписать другой платёж · Esc: назад
sign-note = Если вы ошибётесь в PIN, значение подписи будет неверным: MobiPass не может это определить. После трёх неверных значений подписи подряд банк блокирует MobiPass.

change-title = Смена PIN
change-body = Введите текущий PIN, затем новый PIN дважды. MobiPass не может проверить текущий PIN: если вы ошибётесь, смена всё равно произойдёт, и ваши подписи будут неверными, пока банк не выдаст новый ключ.
change-current = Текущий PIN
change-submit = Сменить PIN
change-done = PIN изменён. Теперь используйте новый PIN.

delete-title = Удалить ключ?
delete-body = MobiPass забудет ключ активации. Чтобы снова подписывать, понадобится конверт из банка или новый конверт.
delete-confirm = Да, удалить ключ
delete-keys = Enter: удалить · Esc: отмена
deleted-body = Ключ удалён.

problem-title = MobiPass не может использовать файл ключа
problem-retry = Повторить
problem-delete = Удалить ключ

err-key-not-digits = Часть { $part } может содержать только цифры.
err-key-length = В части { $part } цифр: { $found }; в каждой части их 10.
err-key-typo = В части { $part } опечатка. Сверьте её с конвертом.
err-key-whole-length = В ключе 40 цифр, а здесь { $found }.
err-pin-four-digits = PIN состоит ровно из 4 цифр.
err-pin-all-same = Все четыре цифры одинаковые. Выберите PIN, который труднее угадать.
err-pin-sequence = Цифры идут подряд. Выберите PIN, который труднее угадать.
err-pin-common = Это один из самых распространённых PIN. Выберите PIN, который труднее угадать.
err-pin-mismatch = Два новых PIN не совпадают. Введите новый PIN ещё раз.
err-code = Номер документа состоит из 6–8 цифр.
err-amount = Введите сумму так: 1500 или 1 500,00.
err-amount-too-large = Сумма слишком велика.
err-payee = Счёт получателя должен содержать хотя бы одну цифру.
err-not-activated = Ключ ещё не сохранён.
err-already-activated = Ключ уже сохранён. Сначала удалите его.
err-damaged = Файл ключа { $path } повреждён. Удалите ключ и сохраните его заново из конверта.
err-locked = Файл ключа { $path } сейчас использует другое окно MobiPass или терминал. Закройте его и повторите.
err-io-full = Диск заполнен: MobiPass не смог записать { $path }. Освободите место и повторите.
err-io-permission = MobiPass не имеет доступа к { $path }. Проверьте права доступа к файлу.
err-io = MobiPass не смог прочитать или записать { $path }. Повторите попытку.
err-unexpected = Произошла непредвиденная ошибка. Повторите попытку.
err-no-data-dir = MobiPass не нашёл папку для хранения ключа. Запустите его с параметром --vault и путём к файлу или задайте MOBIPASS_VAULT.
err-out-of-memory = Сейчас не хватает свободной памяти (MobiPass нужно около 256 МБ, чтобы защитить ключ). Закройте другие программы и попробуйте ещё раз. Ваш ключ в сохранности.
