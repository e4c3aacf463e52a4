"""The words of meeting notes (en/de/fr/es/pt, some nl/it): subjects and headings of notes mail,
agreement lines, future commitments ("I'll", "Lena wird", "je vais", "voy a", "vou"), "both", owner
words and owner labels. Patterns only; ``notes.py`` applies them.
"""

from __future__ import annotations

import re

_SUBJECT = re.compile(
    r"\b(notes|meeting notes|minutes|summary|recap|follow[- ]?up|notizen|protokoll|zusammenfassung|"
    r"compte[- ]rendu|notes de (la )?r[ée]union|r[ée]sum[ée]|notas|acta|resumen|resumo|ata|notities|verslag|"
    r"appunti|resoconto|verbale|anota[çc][õo]es|apontamentos|seguimiento|suite [àa] (?:notre|votre|nos|la|l')|"
    r"nach unserem (?:treffen|gespr[äa]ch)|como foi a (?:reuni[ãa]o|sess[ãa]o|conversa)|how did (your|the) (meeting|session|call) go|wie war (euer|unser|das) (treffen|gespr[äa]ch)|"
    r"comment s'est pass[ée]e? (votre|la|notre) (rencontre|r[ée]union|s[ée]ance)|qu[ée] tal (fue|ha ido) la reuni[óo]n|"
    r"como correu a reuni[ãa]o|hoe ging|com'[èe] andato)\b",
    re.IGNORECASE,
)
_AGREE_HEAD = re.compile(
    r"^((?:so |and |here(?:'s| is) )?what we (?:have )?agreed|ce que nous avons convenu|ce qu'on a convenu|"
    r"lo que (?:hemos )?acordado|lo que acordamos|o que combin[áa]mos|o que ficou combinado|was wir vereinbart haben|"
    r"agreements?|agreed|decisions?|decided|we agreed|vereinbarungen|vereinbart|beschl[üu]sse|entscheidungen|"
    r"accords?|d[ée]cisions?|convenu|acuerdos?|decisiones|acordos?|decis[õo]es|combinado|afspraken|besluiten|"
    r"accordi|decisioni)\b",
    re.IGNORECASE,
)
_ACTION_HEAD = re.compile(
    r"^(next steps?|action items?|actions?|to ?dos?|follow[- ]?ups?|homework|n[äa]chste schritte|aufgaben|"
    r"todos?|prochaines? [ée]tapes?|actions? [àa] mener|[àa] faire|pr[óo]ximos pasos|tareas|pendientes|"
    r"pr[óo]ximos passos|tarefas|a[çc][õo]es|volgende stappen|acties|taken|prossimi passi|azioni|compiti)\b",
    re.IGNORECASE,
)
_AGREE_LINE = re.compile(
    r"^(?:(?:also|außerdem|zudem|de plus|aussi|además|también|também|ainda)\s*,?\s+)?"
    r"(?:(?:haben|hatten) wir (?:auch )?vereinbart(?:, dass)?|quedamos en|"
    r"(?:what |so |and )?we (?:also |have (?:also )?)?agreed(?: that| to| on|:)?|agreed:|decided:|we (?:also )?decided(?: that| to)?|"
    r"(?:agreed|decided)(?: that| to| on)?(?= (?:i|we|you|[A-Z]\w+) )|"
    r"wir haben (?:auch )?vereinbart(?:, dass)?|wir haben uns (?:auch )?(?:darauf )?geeinigt,?(?: dass)?|"
    r"vereinbart:|nous avons (?:aussi |également )?convenu(?: que| de)?|on a (?:aussi |également )?convenu(?: que| de)?|"
    r"(?:on s'est|nous nous sommes) (?:aussi )?mis d'accord (?:pour|sur)|nos pusimos de acuerdo en(?: que)?|"
    r"acordamos(?: que)?|hemos acordado(?: que)?|concord[áa]mos(?: que| em)?|"
    r"combin[áa]mos(?: que)?|acord[áa]mos(?: que)?|ficou combinado(?: que)?|we (?:hebben )?afgesproken(?: dat)?|"
    r"abbiamo (?:concordato|deciso)(?: che| di)?)"
    r"\s*(.{3,400})$",
    re.IGNORECASE,
)
_NAME = r"[A-ZÀ-Ý][\w-]{1,30}"
_CL = r"(?:(?:me|te|se|le|la|les|lui|leur|nous|vous|lhe|nos|lo|y|en)\s+|[mtsl]['’]){0,2}"  # object pronouns
_INF = r"(?=\s+" + _CL + r"[a-zàâçéèêëîïôûùáíóúñãõ]+(?:r|re|-\w+)\b)"  # "va relire", "vai enviar-me"
_FUT = r"[a-zàâçéèêëîïôûùáíóúñãõ]{2,}(?:rai|ras|rons|rez|ré|rás|rá|remos|rán|rei|rão)\b"  # fr/es/pt future
_WILL = re.compile(
    r"^(?:(?i:action|todo|to do|aufgabe|action item)\s*[:：]\s*)?(?:"
    r"((?i:i|you|we|he|she|(?:my|our|the|your) (?:mentor|mentee|mentora|mentorin))|" + _NAME + r"(?: and " + _NAME + r")?)"
    r"(?i:'s|'re|'m| is| are| am)?(?:\s+(?i:also|then|just|first|still|now))?"
    r"\s*(?i:'ll| will| going to| shall| need to| should| has to| have to| to (?=[a-z]))\b|"
    r"((?i:i))'m going to\b|((?i:going to|gonna|will|need to|have to|must))\s+(?=[a-z])|"
    r"((?i:ich|du|wir|sie|er)|" + _NAME + r")\s+(?i:werde|wirst|werden|wird|soll|sollte|muss|kümmer\w*)\b|"
    r"((?i:je|tu|nous|vous|il|elle)|" + _NAME + r")\s+" + _CL + r"(?:(?i:vais|vas|va|allons|allez)" + _INF
    + r"|(?i:dois|doit|devons|devez|m'occupe|s'occupe)\b|" + _FUT + r")|"
    r"((?i:yo|t[úu]|nosotros|[ée]l|ella|usted)|" + _NAME + r")\s+" + _CL + r"(?:(?i:voy|vas|va|vamos|van)\s+a\b|"
    r"(?i:me encargo|se encarga)\b|" + _FUT + r")|((?i:voy|vas|vamos))\s+a\b|"
    r"((?i:tengo|tienes|tenemos|debo|debes|debemos|me comprometo))\s+(?:que|a)?\s*\w|"
    r"((?i:eu|voc[êe]|n[óo]s|ele|ela|a gente)|(?:[Oo]|[Aa]) " + _NAME + r"|" + _NAME + r")\s+" + _CL
    + r"(?:(?i:vou|vai|vamos)" + _INF + r"|(?i:fico de|fica de|ficou de)\b|" + _FUT + r")|"
    r"((?i:vou|vamos))\s+\w+r\b|((?i:tenho|tens|temos|preciso|precisas|precisamos|devo|deves|devemos))\s+(?:de\s+|que\s+)?\w+r\b|"
    r"((?i:ik|jij|je|wij|we)|" + _NAME + r")\s+(?i:ga|gaat|gaan|zal|zult|zullen|moet)\b|"
    r"((?i:io|tu|noi)|" + _NAME + r")\s+(?i:devo|deve|dobbiamo|farò|manderò|invierò)\b)",
)
_BOTH = re.compile(r"^\W*(?i:both( of us)?|together|wir beide|beide|gemeinsam|zusammen|les deux|tou(?:te)?s les deux|"
                   r"ensemble|(?:los|las) dos(?: partes)?|juntos|juntas|ambos|ambas|os dois|as duas|entrambi|insieme|"
                   r"allebei|samen)\b|"
                   # fr "on refait le point" (= nous), not en "On Monday ..."
                   r"^\W*(?i:on) (?!(?i:the|a|an|our|my|your|this|that|next|monday|tuesday|wednesday|thursday|friday|"
                   r"saturday|sunday)\b)(?:se |s'|en |)[a-zàâçéèêëîïôûù']{2,}|"
                   # es/pt first person plural without a pronoun: "Revisamos ...", "Fazemos ..."
                   r"^\W*[A-Za-záéíóúâêôãõç]{2,}(?<![Vv]amos)(?:amos|emos|imos)\b(?! (?:de|a)\b)")
_YOU_ME = re.compile(r"^\W*(?i:me \w+(?:as|es)|\w+(?:as|es)-me)\b")  # es/pt without pronoun: "me envías", "envias-me"
_OWNER_WORDS = {
    "i": "self", "ich": "self", "je": "self", "yo": "self", "voy": "self",
    "you": "other", "du": "other", "tu": "other", "vous": "other", "tú": "other", "vas": "other",
    "we": "both", "wir": "both", "nous": "both", "nosotros": "both", "vamos": "both",
    "eu": "self", "vou": "self", "você": "other", "voce": "other", "nós": "both", "nos": "both",
    "ik": "self", "jij": "other", "wij": "both", "io": "self", "noi": "both", "me": "self", "moi": "self",
    "let's": "both", "lets": "both",
    "he": "other", "she": "other", "er": "other", "sie": "other", "il": "other", "elle": "other", "él": "other",
    "ella": "other", "gente": "both", "ele": "other", "ela": "other", "usted": "other", "a gente": "both",
    "going to": "self", "gonna": "self", "will": "self", "need to": "self", "have to": "self", "must": "self",
    "tengo": "self", "debo": "self", "me comprometo": "self", "tenho": "self", "preciso": "self", "devo": "self",
    "tienes": "other", "debes": "other", "tens": "other", "precisas": "other", "deves": "other",
    "tenemos": "both", "debemos": "both", "temos": "both", "precisamos": "both", "devemos": "both",
}
_ROLE_WORDS = {
    "mentor": "mentor", "mentorin": "mentor", "mentora": "mentor", "mentee": "mentee", "mentoré": "mentee",
    "mentorée": "mentee", "both": "both", "beide": "both", "us": "both", "all": "both",
}
_OWNER_PREFIX = re.compile(r"^\s*(?:\[([^\]]{1,40})\]|\(([^)]{1,40})\)|([A-Za-zÀ-ÿ][\w-]{0,30}"
                           r"(?:\s+(?:[&+/]\s+)?[A-Za-zÀ-ÿ][\w-]{0,30}){0,2})\s*(?:[:：|]|\s[-–—]|→|->|=>)\s)")

_TOGETHER = re.compile(r"\b(?:together|gemeinsam|zusammen|ensemble|juntos|juntas|a gente|los dos|ambos|ambas)\b",
                       re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ýa-z¿¡])")
_VAGUE = re.compile(r"(?i:'ll|will|going to|wird|werden|va|vamos|vai)\s+(?:also\s+)?(?:revisit|see|think about it|"
                    r"come back to (?:it|this|that)|talk about it|discuss it|look at it again)\W*$|"
                    r"^\W*(?:(?:we|wir|nous|nosotros|n[óo]s)\s*)?(?:(?:'ll|will|are going to|werden|allons)\s+)?"
                    r"(?:talk about|discuss|sprechen (?:wir )?über|besprechen|parlerons de|discuterons|hablaremos de|"
                    r"falaremos (?:de|sobre)|conversaremos sobre)\b", re.I)

_LABEL = re.compile(r"^\s*(?:(?:what |so |and |here is what )?we )?(?:agreed|decided|decision|vereinbart|beschlossen|convenu|d[ée]cid[ée]|acordado|acordamos|"
                    r"combinado|afgesproken|concordato)\s*:\s*$", re.IGNORECASE)
_LETS = re.compile(r"^\W*(?i:let'?s|let us|lass uns|lasst uns|on va|vamos a)\b")
