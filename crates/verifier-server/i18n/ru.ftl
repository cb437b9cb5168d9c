# Консоль контакт-центра MobiPass, русский.
console-name = Консоль MobiPass
nav-find = Поиск
nav-issue = Выпуск
nav-audit = Журнал аудита
sign-out = Выйти
back-home = На начальную страницу
cancel = Отмена

signin-title = Вход
signin-name = Имя оператора
signin-password = Пароль
signin-submit = Войти
signin-refused = Неверное имя или пароль.
signin-locked = Слишком много неудачных попыток входа. Подождите 15 минут или обратитесь к супервизору.
signin-ended = Сеанс завершён. Войдите снова.

find-title = Найти MobiPass клиента
find-id = Идентификатор
find-submit = Найти
find-invalid = Идентификатор — от 1 до 64 символов A-Z a-z 0-9 . _ : -
find-unknown = MobiPass с таким идентификатором нет.

credential-title = MobiPass
credential-state = Состояние
credential-failures = Неверных ответов подряд / предел
credential-locked-until = Временно заблокирован до
credential-key-version = Версия ключа
credential-created = Выпущен
credential-last-activity = Последняя активность
credential-events = Последние события
state-issued = выпущен, ещё не использован
state-active = активен
state-blocked = заблокирован
state-revoked = отозван

done-blocked = Заблокировано. Клиент больше не может подписывать этим MobiPass.
done-unblocked = Разблокировано. Счётчик ошибок обнулён.
done-revoked = Отозвано навсегда.

block-title = Блокировка
block-hint = При утере или краже устройства: блокируйте сразу, без проверки личности.
block-reason = Причина
block-note = Примечание (необязательно)
block-submit = Заблокировать
block-reason-missing = Выберите причину из списка.
block-note-invalid = Примечание — одна строка, не длиннее 150 символов.
reason-lost-device = Устройство утеряно
reason-stolen-device = Устройство украдено
reason-customer-request = По просьбе клиента
reason-suspected-fraud = Подозрение на мошенничество
reason-other = Другое

unblock-title = Разблокировка
unblock-hint = Только после вопросов для проверки личности (номер документа, кодовое слово).
unblock-identity = Личность проверена: как?
unblock-submit = Разблокировать
unblock-identity-missing = Укажите, как проверена личность клиента; ничего не разблокировано.

supervisor-title = Супервизор
reissue-hint = Новый конверт: старый ключ сразу перестаёт действовать.
reissue-submit = Перевыпустить с новым конвертом
revoke-submit = Отозвать…
revoke-title = Отозвать этот MobiPass?
revoke-question = Отозвать навсегда:
revoke-hint = Отозванный MobiPass нельзя разблокировать; клиенту нужен новый.
revoke-confirm = Да, отозвать

issue-title = Выпустить новый MobiPass
issue-hint = Создаёт MobiPass и один раз показывает его конверт.
issue-submit = Выпустить

envelope-title = Конверт
envelope-issued = Выпущено.
envelope-reissued = Перевыпущено.
envelope-once = Распечатайте конверт сейчас: ключ показывается только на этой странице.
envelope-heading = Ключ активации MobiPass
envelope-credential = Идентификатор
envelope-part = Часть
envelope-instructions = Введите четыре части в приложение MobiPass и выберите PIN. Никому не сообщайте эти числа, даже сотрудникам банка.
envelope-back = К MobiPass клиента

audit-title = Журнал аудита
audit-credential = Идентификатор
audit-actor = Оператор
audit-action = Действие
audit-from = С
audit-to = По
audit-submit = Показать
audit-csv = Выгрузить CSV
audit-at = Когда (UTC)
audit-detail = Подробности
audit-empty = Событий не найдено.
audit-bad-date = Дата пишется как ГГГГ-ММ-ДД.

error-not-found-title = Не найдено
error-not-found = Такой страницы нет.
error-forbidden-title = Нет доступа
error-forbidden = Эта страница для супервизоров. Ничего не изменено.
error-unknown-credential-title = Неизвестный MobiPass
error-unknown-credential = MobiPass с таким идентификатором нет.
error-already-exists-title = Уже существует
error-already-exists = MobiPass с таким идентификатором уже есть; перевыпустите его.
error-blocked-title = Заблокирован
error-blocked = MobiPass заблокирован.
error-revoked-title = Отозван
error-revoked = MobiPass отозван; с ним ничего нельзя сделать.
error-invalid-title = Неверные данные
error-invalid = Данные неверны; ничего не изменено.
error-busy-title = Занято
error-busy = Сервер занят. Повторите через минуту.
error-storage-title = Ошибка
error-storage = На сервере произошла ошибка; ничего не изменено. Повторите или обратитесь в поддержку.
error-csrf-title = Форма устарела
error-csrf = Форма устарела или пришла не из консоли. Ничего не изменено; обновите страницу и повторите.

credential-kind = Вид
credential-activation = Активация
kind-envelope-only = только конверт
kind-two-channel = двухканальный: конверт + код активации
activation-needed = нужен код активации (ещё не выдан)
activation-pending = код выдан, ожидаем клиента до
activation-expired-status = последний код истёк неиспользованным; нужен новый код
activation-title = Код активации
activation-hint = После вопросов для проверки личности: код, который клиент вводит в MobiPass. Для активного MobiPass это повторная активация: текущее приложение сразу перестаёт работать.
activation-submit = Выдать код активации
activation-once = Продиктуйте код клиенту сейчас: он показан только на этой странице и больше не появится.
activation-valid-until = Действует до
activation-left = Осталось:
activation-expired = Истёк: выдайте новый код.
activation-read-hint = Диктуйте по одной цифре. Клиент вводит код после четырёх частей из конверта; новый код заменяет этот.
activation-not-two-channel = Этот MobiPass выдан только с конвертом: код активации ему не нужен. Ничего не изменено.
activation-blocked = MobiPass заблокирован: сначала разблокируйте его после проверки личности. Код не выдан.
activation-revoked = MobiPass отозван: код выдать нельзя.
envelope-two-channel-note = Клиенту также нужен код активации: в контакт-центре или в интернет-банке.
