"""Word lists the benchmark corpus is made of (see `bench/corpus.py`).

Everything here is a list of parallel (English, Ukrainian) entries: the generator builds each
article as a sequence of abstract tokens and renders the same sequence in both languages, so a
translated pair really is "the same text" word for word. No prose is copied from anywhere: the
sentences are random arrangements of these words.

- `GENERAL`: common words every article uses (the noise floor of any similarity measure).
- `TOPICS`: 20 latent topics. Each has a few real keywords, preferred tags (in both languages),
  a category mix, and — generated in `corpus.py` — a slice of pseudo-words only it uses.
"""

from __future__ import annotations

# (english, ukrainian) — single words on both sides so word counts match across languages.
_GENERAL = """
about про|after після|again знову|always завжди|answer відповідь|ask питати|attention увага
balance рівновага|because тому|before перед|begin починати|behaviour поведінка|better краще
body тіло|brain мозок|breathing дихання|calm спокій|care турбота|case випадок|change зміна
child дитина|choice вибір|clear ясно|common поширений|condition стан|contact контакт
control контроль|daily щодня|day день|decision рішення|different різний|difficult складний
doctor лікар|during під|early рано|effect ефект|emotion емоція|energy енергія|every кожен
evidence доказ|example приклад|experience досвід|family родина|fear страх|feel відчувати
first перший|friend друг|future майбутнє|goal мета|good добрий|group група|habit звичка
health здоров’я|help допомога|home дім|hope надія|hour година|important важливий|know знати
later пізніше|learn вчитися|life життя|listen слухати|long довгий|make робити|many багато
meaning сенс|memory пам’ять|mind розум|moment мить|month місяць|morning ранок|most більшість
need потреба|never ніколи|new новий|night ніч|normal звичайний|often часто|other інший
pain біль|part частина|patient пацієнт|people люди|period період|person людина|plan план
possible можливий|practice практика|problem проблема|process процес|question питання
quiet тихий|reason причина|recovery одужання|regular регулярний|relationship стосунки
rest відпочинок|result результат|risk ризик|safe безпечний|sense відчуття|session сеанс
signal сигнал|simple простий|situation ситуація|sleep сон|slowly повільно|small малий
social соціальний|some деякі|specialist фахівець|step крок|still досі|strength сила
stress напруга|support підтримка|symptom симптом|talk розмова|team команда|therapy терапія
thought думка|time час|today сьогодні|together разом|treatment лікування|trust довіра
understand розуміти|usually зазвичай|value цінність|very дуже|week тиждень|well добре
when коли|where де|while поки|without без|word слово|work робота|world світ|year рік
young молодий|and і|but але|with з|for для|from від|the цей|this це|that що|not не|can може
will буде|should варто|also також|only лише|more більше|less менше|how як|why чому|what що
each кожна|even навіть|just просто|then потім|there там|here тут|into у|over над|under під
"""

GENERAL: tuple[tuple[str, str], ...] = tuple(
    tuple(pair.split(" ", 1)) for pair in _GENERAL.replace("\n", "|").split("|") if pair.strip()
)

# Each topic: id, English name, category weights (slug -> weight), real keywords and preferred
# tags as (english, ukrainian) pairs. Categories are slugs from CATEGORIES in pelicanconf.py.
TOPICS: tuple[dict, ...] = (
    {"id": "ketamine-infusions", "categories": {"ketamine-therapy": 7, "psychedelic-medicine": 3},
     "keywords": [("ketamine", "кетамін"), ("infusion", "інфузія"), ("dose", "доза"),
                  ("clinic", "клініка"), ("course", "курс"), ("monitoring", "моніторинг")],
     "tags": [("ketamine", "кетамін"), ("infusions", "інфузії"), ("dosage", "дозування"),
              ("treatment course", "курс лікування")]},
    {"id": "ketamine-safety", "categories": {"ketamine-therapy": 6, "depression": 4},
     "keywords": [("safety", "безпека"), ("contraindication", "протипоказання"),
                  ("pressure", "тиск"), ("dissociation", "дисоціація"), ("nausea", "нудота")],
     "tags": [("safety", "безпека"), ("side effects", "побічні ефекти"),
              ("contraindications", "протипоказання"), ("ketamine", "кетамін")]},
    {"id": "combat-trauma", "categories": {"ptsd": 6, "helping-the-military": 4},
     "keywords": [("combat", "бій"), ("trauma", "травма"), ("flashback", "флешбек"),
                  ("trigger", "тригер"), ("soldier", "військовий"), ("frontline", "фронт")],
     "tags": [("ptsd", "птср"), ("combat trauma", "бойова травма"), ("flashbacks", "флешбеки"),
              ("triggers", "тригери")]},
    {"id": "nightmares-sleep", "categories": {"ptsd": 5, "stress": 5},
     "keywords": [("nightmare", "кошмар"), ("insomnia", "безсоння"), ("dream", "сновидіння"),
                  ("bedtime", "відбій"), ("awakening", "пробудження")],
     "tags": [("sleep", "сон"), ("nightmares", "кошмари"), ("insomnia", "безсоння"),
              ("sleep hygiene", "гігієна сну")]},
    {"id": "treatment-resistant-depression",
     "categories": {"depression": 7, "ketamine-therapy": 3},
     "keywords": [("resistance", "резистентність"), ("antidepressant", "антидепресант"),
                  ("remission", "ремісія"), ("relapse", "рецидив"), ("trial", "спроба")],
     "tags": [("depression", "депресія"), ("treatment-resistant", "резистентна депресія"),
              ("antidepressants", "антидепресанти"), ("remission", "ремісія")]},
    {"id": "postpartum-depression", "categories": {"depression": 6, "disorders": 4},
     "keywords": [("pregnancy", "вагітність"), ("mother", "мати"), ("newborn", "немовля"),
                  ("birth", "пологи"), ("hormones", "гормони")],
     "tags": [("postpartum", "післяпологова депресія"), ("motherhood", "материнство"),
              ("pregnancy", "вагітність"), ("women", "жінки")]},
    {"id": "cbt", "categories": {"psychotherapy": 7, "disorders": 3},
     "keywords": [("cognitive", "когнітивний"), ("belief", "переконання"),
                  ("homework", "домашнє"), ("exposure", "експозиція"), ("schema", "схема")],
     "tags": [("cbt", "кпт"), ("cognitive therapy", "когнітивна терапія"),
              ("exposure", "експозиція"), ("beliefs", "переконання")]},
    {"id": "family-therapy", "categories": {"psychotherapy": 6, "stress": 4},
     "keywords": [("couple", "пара"), ("parent", "батьки"), ("conflict", "конфлікт"),
                  ("marriage", "шлюб"), ("sibling", "сиблінг")],
     "tags": [("family", "сім’я"), ("couples", "пари"), ("parenting", "батьківство"),
              ("conflict", "конфлікт")]},
    {"id": "burnout", "categories": {"stress": 6, "psychosomatics": 4},
     "keywords": [("burnout", "вигорання"), ("workload", "навантаження"),
                  ("exhaustion", "виснаження"), ("deadline", "дедлайн"), ("office", "офіс")],
     "tags": [("burnout", "вигорання"), ("work", "робота"), ("fatigue", "втома"),
              ("self-care", "турбота про себе")]},
    {"id": "war-anxiety", "categories": {"stress": 6, "news": 4},
     "keywords": [("alarm", "тривога"), ("shelter", "укриття"), ("shelling", "обстріл"),
                  ("blackout", "блекаут"), ("news", "новини")],
     "tags": [("anxiety", "тривожність"), ("war", "війна"), ("civilians", "цивільні"),
              ("air alerts", "повітряні тривоги")]},
    {"id": "chronic-pain", "categories": {"psychosomatics": 6, "oncology": 4},
     "keywords": [("headache", "головний"), ("back", "спина"), ("tension", "спазм"),
                  ("ache", "ниття"), ("sensation", "відчуття")],
     "tags": [("chronic pain", "хронічний біль"), ("psychosomatics", "психосоматика"),
              ("headache", "головний біль"), ("pain", "біль")]},
    {"id": "gut-and-mind", "categories": {"psychosomatics": 7, "stress": 3},
     "keywords": [("stomach", "шлунок"), ("digestion", "травлення"), ("appetite", "апетит"),
                  ("nutrition", "харчування"), ("bowel", "кишківник")],
     "tags": [("gut", "кишківник"), ("nutrition", "харчування"), ("appetite", "апетит"),
              ("body", "тіло")]},
    {"id": "psilocybin-research", "categories": {"psychedelic-medicine": 7, "news": 3},
     "keywords": [("psilocybin", "псилоцибін"), ("study", "дослідження"),
                  ("regulation", "регулювання"), ("placebo", "плацебо"), ("journal", "журнал")],
     "tags": [("psilocybin", "псилоцибін"), ("research", "дослідження"),
              ("clinical trials", "клінічні випробування"), ("psychedelics", "психоделіки")]},
    {"id": "mdma-therapy", "categories": {"psychedelic-medicine": 6, "ptsd": 4},
     "keywords": [("mdma", "мдма"), ("integration", "інтеграція"), ("empathy", "емпатія"),
                  ("guide", "провідник"), ("setting", "сетинг")],
     "tags": [("mdma", "мдма"), ("integration", "інтеграція"),
              ("assisted therapy", "асистована терапія"), ("psychedelics", "психоделіки")]},
    {"id": "ocd", "categories": {"disorders": 7, "psychotherapy": 3},
     "keywords": [("obsession", "обсесія"), ("compulsion", "компульсія"), ("ritual", "ритуал"),
                  ("checking", "перевірка"), ("contamination", "забруднення")],
     "tags": [("ocd", "окр"), ("obsessions", "обсесії"), ("compulsions", "компульсії"),
              ("anxiety disorders", "тривожні розлади")]},
    {"id": "bipolar", "categories": {"disorders": 6, "depression": 4},
     "keywords": [("mania", "манія"), ("mood", "настрій"), ("lithium", "літій"),
                  ("episode", "епізод"), ("stabilizer", "стабілізатор")],
     "tags": [("bipolar disorder", "біполярний розлад"), ("mania", "манія"),
              ("mood", "настрій"), ("mood stabilizers", "нормотиміки")]},
    {"id": "veteran-reintegration", "categories": {"helping-the-military": 7, "psychotherapy": 3},
     "keywords": [("veteran", "ветеран"), ("return", "повернення"), ("service", "служба"),
                  ("rehabilitation", "реабілітація"), ("peer", "побратим")],
     "tags": [("veterans", "ветерани"), ("rehabilitation", "реабілітація"),
              ("reintegration", "реінтеграція"), ("military", "військові")]},
    {"id": "cancer-coping", "categories": {"oncology": 7, "psychotherapy": 3},
     "keywords": [("cancer", "рак"), ("diagnosis", "діагноз"), ("chemotherapy", "хіміотерапія"),
                  ("oncologist", "онколог"), ("tumour", "пухлина")],
     "tags": [("oncology", "онкологія"), ("diagnosis", "діагноз"),
              ("chemotherapy", "хіміотерапія"), ("coping", "подолання")]},
    {"id": "caregivers", "categories": {"oncology": 5, "stress": 5},
     "keywords": [("caregiver", "доглядальник"), ("relative", "родич"), ("hospital", "лікарня"),
                  ("grief", "горе"), ("loss", "втрата")],
     "tags": [("caregivers", "доглядальники"), ("grief", "горе"), ("loved ones", "близькі"),
              ("loss", "втрата")]},
    {"id": "clinic-news", "categories": {"news": 8, "psychotherapy": 2},
     "keywords": [("conference", "конференція"), ("announcement", "оголошення"),
                  ("opening", "відкриття"), ("webinar", "вебінар"), ("partner", "партнер")],
     "tags": [("news", "новини"), ("events", "події"), ("webinars", "вебінари"),
              ("clinic", "клініка")]},
)

# Syllables for each topic's pseudo-words: Latin for English, Cyrillic for Ukrainian.
SYLLABLES_EN = (
    "ba", "be", "bri", "ca", "cor", "da", "del", "dro", "fa", "fen", "ga", "gor", "ha", "hel",
    "ka", "kel", "la", "len", "lo", "ma", "mer", "mi", "na", "nor", "o", "pa", "pel", "ra",
    "ren", "ri", "sa", "sel", "so", "ta", "ter", "ti", "tro", "va", "ven", "vi", "za", "zen",
)
SYLLABLES_UK = (
    "ба", "бе", "бри", "ва", "вер", "ві", "га", "го", "да", "дем", "до", "же", "за", "зо", "ка",
    "кор", "ле", "лі", "ло", "ма", "мен", "ми", "на", "ни", "ні", "ол", "па", "пер", "ра", "рі",
    "ро", "са", "сте", "ти", "то", "ха", "ці", "че", "ша", "ю", "я", "єн",
)

# Made-up people for `authors` and `reviewed_by` (both languages).
AUTHORS: tuple[tuple[str, str], ...] = (
    ("Olena Koval", "Олена Коваль"), ("Taras Hrytsenko", "Тарас Гриценко"),
    ("Marta Bondar", "Марта Бондар"), ("Andrii Lysenko", "Андрій Лисенко"),
    ("Iryna Savchuk", "Ірина Савчук"),
)
REVIEWERS: tuple[dict, ...] = (
    {"key": "moroz", "en": ("Nadiia Moroz", "psychiatrist, PhD"),
     "uk": ("Надія Мороз", "лікарка-психіатриня, к.мед.н.")},
    {"key": "tkachenko", "en": ("Petro Tkachenko", "clinical psychologist"),
     "uk": ("Петро Ткаченко", "клінічний психолог")},
    {"key": "melnyk", "en": ("Sofiia Melnyk", "anaesthesiologist"),
     "uk": ("Софія Мельник", "лікарка-анестезіологиня")},
    {"key": "kravets", "en": ("Yurii Kravets", "psychotherapist, MD"),
     "uk": ("Юрій Кравець", "лікар-психотерапевт")},
)
