# MobiPass байланыс орталығының консолі, қазақша.
console-name = MobiPass консолі
nav-find = Іздеу
nav-issue = Шығару
nav-audit = Аудит журналы
sign-out = Шығу
back-home = Бастапқы бетке
cancel = Бас тарту

signin-title = Кіру
signin-name = Оператор аты
signin-password = Құпиясөз
signin-submit = Кіру
signin-refused = Аты немесе құпиясөз қате.
signin-locked = Сәтсіз кіру әрекеттері тым көп. 15 минут күтіңіз немесе супервизорға хабарласыңыз.
signin-ended = Сеанс аяқталды. Қайта кіріңіз.

find-title = Клиенттің MobiPass-ын табу
find-id = Сәйкестендіргіш
find-submit = Табу
find-invalid = Сәйкестендіргіш — A-Z a-z 0-9 . _ : - таңбаларынан 1–64 таңба.
find-unknown = Мұндай сәйкестендіргіші бар MobiPass жоқ.

credential-title = MobiPass
credential-state = Күйі
credential-failures = Қатарынан қате жауаптар / шек
credential-locked-until = Уақытша бұғатталған мерзімі
credential-key-version = Кілт нұсқасы
credential-created = Шығарылды
credential-last-activity = Соңғы әрекет
credential-events = Соңғы оқиғалар
state-issued = шығарылды, әлі қолданылмаған
state-active = белсенді
state-blocked = бұғатталған
state-revoked = қайтарып алынған

done-blocked = Бұғатталды. Клиент бұл MobiPass-пен енді қол қоя алмайды.
done-unblocked = Бұғаттан шығарылды. Қателер саны нөлденді.
done-revoked = Біржола қайтарып алынды.

block-title = Бұғаттау
block-hint = Құрылғы жоғалса немесе ұрланса: жеке басын тексермей, бірден бұғаттаңыз.
block-reason = Себебі
block-note = Ескертпе (міндетті емес)
block-submit = Бұғаттау
block-reason-missing = Тізімнен себепті таңдаңыз.
block-note-invalid = Ескертпе — 150 таңбадан аспайтын бір жол.
reason-lost-device = Құрылғы жоғалды
reason-stolen-device = Құрылғы ұрланды
reason-customer-request = Клиенттің өтініші бойынша
reason-suspected-fraud = Алаяқтық күдігі
reason-other = Басқа

unblock-title = Бұғаттан шығару
unblock-hint = Тек жеке басын тексеру сұрақтарынан кейін (құжат нөмірі, кодтық сөз).
unblock-identity = Жеке басы тексерілді: қалай?
unblock-submit = Бұғаттан шығару
unblock-identity-missing = Клиенттің жеке басы қалай тексерілгенін жазыңыз; ештеңе бұғаттан шығарылмады.

supervisor-title = Супервизор
reissue-hint = Жаңа конверт: ескі кілт бірден жарамсыз болады.
reissue-submit = Жаңа конвертпен қайта шығару
revoke-submit = Қайтарып алу…
revoke-title = Бұл MobiPass-ты қайтарып алу керек пе?
revoke-question = Біржола қайтарып алу:
revoke-hint = Қайтарып алынған MobiPass-ты бұғаттан шығаруға болмайды; клиентке жаңасы керек.
revoke-confirm = Иә, қайтарып алу

issue-title = Жаңа MobiPass шығару
issue-hint = MobiPass жасайды және оның конвертін бір рет көрсетеді.
issue-submit = Шығару

envelope-title = Конверт
envelope-issued = Шығарылды.
envelope-reissued = Қайта шығарылды.
envelope-once = Конвертті қазір басып шығарыңыз: кілт тек осы бетте көрсетіледі.
envelope-heading = MobiPass белсендіру кілті
envelope-credential = Сәйкестендіргіш
envelope-part = Бөлік
envelope-instructions = Төрт бөлікті MobiPass қолданбасына енгізіп, PIN таңдаңыз. Бұл сандарды ешкімге, тіпті банк қызметкерлеріне де айтпаңыз.
envelope-back = Клиенттің MobiPass-ына оралу

audit-title = Аудит журналы
audit-credential = Сәйкестендіргіш
audit-actor = Оператор
audit-action = Әрекет
audit-from = Бастап
audit-to = Дейін
audit-submit = Көрсету
audit-csv = CSV жүктеу
audit-at = Уақыты (UTC)
audit-detail = Толығырақ
audit-empty = Оқиғалар табылмады.
audit-bad-date = Күн ЖЖЖЖ-АА-КК түрінде жазылады.

error-not-found-title = Табылмады
error-not-found = Мұндай бет жоқ.
error-forbidden-title = Рұқсат жоқ
error-forbidden = Бұл бет супервизорларға арналған. Ештеңе өзгертілмеді.
error-unknown-credential-title = Белгісіз MobiPass
error-unknown-credential = Мұндай сәйкестендіргіші бар MobiPass жоқ.
error-already-exists-title = Бұрыннан бар
error-already-exists = Мұндай сәйкестендіргіші бар MobiPass бұрыннан бар; оны қайта шығарыңыз.
error-blocked-title = Бұғатталған
error-blocked = MobiPass бұғатталған.
error-revoked-title = Қайтарып алынған
error-revoked = MobiPass қайтарып алынған; онымен ештеңе істеуге болмайды.
error-invalid-title = Қате деректер
error-invalid = Деректер қате; ештеңе өзгертілмеді.
error-busy-title = Бос емес
error-busy = Сервер бос емес. Бір сәттен кейін қайталаңыз.
error-storage-title = Қате
error-storage = Серверде қате болды; ештеңе өзгертілмеді. Қайталаңыз немесе қолдау қызметіне хабарласыңыз.
error-csrf-title = Пішін ескірді
error-csrf = Бұл пішін ескірген немесе консольден келмеген. Ештеңе өзгертілмеді; бетті жаңартып, қайталаңыз.

credential-kind = Түрі
credential-activation = Белсендіру
kind-envelope-only = тек конверт
kind-two-channel = екі арналы: конверт + белсендіру коды
activation-needed = белсендіру коды керек (әлі берілмеген)
activation-pending = код берілді, клиентті күтеміз:
activation-expired-status = соңғы код пайдаланылмай мерзімі өтті; жаңа код керек
activation-title = Белсендіру коды
activation-hint = Жеке басын тексеру сұрақтарынан кейін: клиент MobiPass-қа енгізетін код. Белсенді MobiPass үшін бұл қайта белсендіру: қазіргі қолданба бірден жұмысын тоқтатады.
activation-submit = Белсендіру кодын беру
activation-once = Кодты клиентке қазір айтып беріңіз: ол тек осы бетте көрсетіледі, қайта шықпайды.
activation-valid-until = Жарамды мерзімі:
activation-left = Қалды:
activation-expired = Мерзімі өтті: жаңа код беріңіз.
activation-read-hint = Әр цифрды бөлек айтыңыз. Клиент кодты конверттің төрт бөлігінен кейін енгізеді; жаңа код мұны алмастырады.
activation-not-two-channel = Бұл MobiPass тек конвертпен берілген: оған белсендіру коды керек емес. Ештеңе өзгерген жоқ.
activation-blocked = MobiPass бұғатталған: алдымен жеке басын тексергеннен кейін бұғаттан шығарыңыз. Код берілмеді.
activation-revoked = MobiPass қайтарып алынған: код беру мүмкін емес.
envelope-two-channel-note = Клиентке белсендіру коды да керек: байланыс орталығынан немесе интернет-банктен.
