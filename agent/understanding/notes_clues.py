"""Clues in one sentence of meeting notes about who does what (en/de/fr/es/pt), used by ``notes.py``.

Each rule is a pattern a reader can name; all are pure and bounded (one sentence, a few words):

* ``strip_intro``: a short opening phrase before a comma ("As agreed, ...", "De ton côté, ...",
  "Comme convenu, ...") is not the subject of the sentence.
* ``polite_imperative``: "please sign up ...", "Bitte denk daran, ...", "Lembra de ...", "remember
  to ..." ask the reader to act: the owner is the other person.
* ``prose_commitment``: in German, French, Spanish and Portuguese the present tense states a plan
  ("Du meldest dich bis Freitag an", "tu m'envoies ta liste", "Yo te presento a Marta"): a first or
  second person subject, optional object pronouns, then a verb that is not an auxiliary of the past,
  an opinion verb or an imperfect.
* ``inverted_subject``: German puts the verb second ("In zwei Wochen schauen wir", "Bewerbung
  schicke ich ab"): ich/du/wir right after a verb early in the sentence is the subject.
* ``reported``: "Tom suggested ...", "Jürgen meint, ...", "Priya shared ...", "he asked if ..."
  report what was said or done, not what someone will do.
* ``heading_owner``: "Your homework", "My to-dos", "Actions for Priya", "Für dich" give the owner of
  the items below them; ``label_owner`` does the same for an item label ("Action for me: ...").
* ``clause_breaks``: where a new clause with its own subject and a future verb starts (", so I'm
  going to ...", " - Tom will ...", ", je vais ..."), so that it becomes an item of its own.
"""

from __future__ import annotations

import re

from agent.understanding.due import find_due_text

_CLITIC = r"(?:(?:me|te|se|le|la|les|lui|leur|nous|vous|lhe|nos|lo|y|en|mich|dich|dir|mir|uns)\s+|[mtsl]['’])"
_INTRO = re.compile(r"^\W*(?:[\wÀ-ÿ'’]+\s+){0,3}[\wÀ-ÿ'’]+\s*,\s+(?=[\wÀ-ÿ])")
_SUBJECTS = r"(?:ich|du|je|tu|yo|t[úu]|eu|voc[êe])"


_LEAD = re.compile(r"^\W*(?:also|and|plus|so|then|außerdem|auch|aussi|et|además|también|y|também|e|"
                   r"(?:(?:only|just|solo|sólo|nur|juste|seulement|só|apenas)\s+)?(?:that|que|dass))\s+(?=\w)", re.I)


def strip_intro(sentence: str) -> str:
    """The sentence without a short opening phrase before a comma ("As agreed, I'll ..." -> "I'll ...")
    or a linking word ("Also I need to ..." -> "I need to ...")."""
    m = _INTRO.match(sentence[:80]) or _LEAD.match(sentence[:20])
    return sentence[m.end():] if m else sentence


_PROMISE = re.compile(
    r"^\W*(i|you|we|he|she|[A-ZÀ-Ý][\w-]+)\s+(?:also\s+|then\s+)?(?:promised|offered|volunteered|committed|said|agreed)\s+"
    r"(?:to\s+(?=[a-z])|(?:that\s+)?(?:i|you|we|he|she|they)(?:['’]d|\s+would|['’]ll|\s+will)\s)|"
    r"^\W*(ich|du|wir|er|sie|[A-ZÄÖÜ][\w-]+)\s+(?:habe|hast|hat|haben)\s+(?:\w+\s+)?(?:zugesagt|versprochen|angeboten)\b|"
    r"^\W*(je|tu|il|elle|nous|[A-ZÀ-Ý][\w-]+)\s+" + _CLITIC + r"{0,2}(?:ai|as|a|avons)\s+(?:promis|propos[ée]e?)\s+de\b|"
    r"^\W*(yo|t[úu]|[A-ZÀ-Ý][\w-]+)\s+(?:me\s+|te\s+|se\s+)?(?:qued[ée]|quedaste|qued[óo]|promet[íi]|prometiste)\s+en\b|"
    r"^\W*(eu|tu|voc[êe]|[A-ZÀ-Ý][\w-]+)\s+(?:fiquei|ficaste|ficou|prometi|prometeste|prometeu)\s+de\b", re.I)


def promise(sentence: str) -> str | None:
    """The subject word of a promise or offer made in the session ("I said I would read ...", "Tom
    offered to ...", "Ich habe zugesagt, ...", "Tu ficaste de me enviar ..."), else None."""
    m = _PROMISE.match(sentence[:160]) or _PROMISE.match(strip_intro(sentence)[:160])
    if not m or sentence.rstrip().endswith("?"):
        return None
    return next(g for g in m.groups() if g).lower()


_POLITE = re.compile(
    r"^\W*(?:(?:also|and|und|auch|et|y|e|aussi)\s*,?\s+)?"
    r"(?:please|pls|bitte|merci de|n'oublie pas de|pense à|por favor|"
    r"no olvides|não (?:te )?esque[çc]as de|não esque[çc]a de|lembra(?:-te)? de|lembre(?:-se)? de|remember to|"
    r"don't forget to|denk(?:t)? (?:auch |bitte )*(?:daran|dran))\b(?!\s+(?:find|see|note|excuse|forgive|let me know|"
    r"bear with|ignore))", re.I)


def polite_imperative(sentence: str) -> bool:
    return bool(_POLITE.match(sentence)) and not sentence.rstrip().endswith("?")


_NOT_A_PLAN = re.compile(
    r"(?:habe|hast|hat|haben|hatte|hattest|hatten|bin|bist|ist|sind|war|warst|waren|kann|kannst|konnte|denke|denkst|"
    r"glaube|glaubst|finde|findest|meine|meinst|weiß|weißt|wollte|möchte|würde|hätte|wäre|"
    r"ai|as|suis|es|pense|penses|crois|trouve|trouves|sais|peux|veux|"
    r"he|has|hab[ií]a|estoy|est[áa]s|soy|eres|creo|crees|pienso|piensas|s[ée]|sabes|puedo|puedes|quiero|quieres|"
    r"tenho|tens|estou|sou|[ée]s|acho|achas|penso|sei|sabes|posso|podes|quero|queres|fiz|fui|"
    r"\w+(?:ais|ait|aba|abas|[íi]a|[íi]as|ava|avas|aste|ei|ou|ste|te|rais|é|amos|emos|imos|ámos))$", re.I)
_PROSE = re.compile(r"^\W*(" + _SUBJECTS + r")\s+(?:" + _CLITIC + r"){0,2}([a-zàâçéèêëîïôûùäöüßáíóúñãõ]{2,})\b",
                    re.I)


# Spanish and Portuguese drop the subject: "(mañana) te paso el contacto", "le mando mi cv", "te envio o link"
# -- an object pronoun and a first-person present verb, with a due phrase, is the writer's plan
_PRO_DROP = re.compile(
    r"^\W*(?:(?:ma[ñn]ana|hoy|amanh[ãa]|hoje|esta semana|esta tarde|esta noche|esta noite|"
    r"el (?:lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bado|domingo)(?: \d{1,2})?|"
    r"na (?:segunda|ter[çc]a|quarta|quinta|sexta)(?:-feira)?|no (?:s[áa]bado|domingo))\s+)?"
    r"(?:te|le|les|lhe|lhes|os)\s+(?:lo\s+|la\s+|los\s+|las\s+|o\s+|a\s+)?"
    r"(?!(?:dijo|hizo|puso|tuvo|trajo|pudo|quiso|supo|vino|dio|vio|fue|estuvo|gusto|pareció|pareceu|escribo|resumo|"
    r"cuento|comento|recuerdo|agradezco|felicito|aviso|pregunto|digo|escrevo|conto|lembro|agrade[çc]o|pergunto|digo)\b)"
    r"[a-záéíóúñç]{2,}o\b", re.I)


def prose_commitment(sentence: str) -> str | None:
    """The subject word when a present-tense sentence states a plan ("Du meldest dich ... an"), else None;
    "yo" for a Spanish or Portuguese plan without a subject ("mañana te paso el contacto")."""
    if sentence.rstrip().endswith("?") or sentence.lstrip().startswith("¿"):
        return None
    core = strip_intro(sentence)
    m = _PROSE.match(core)
    if not m or _NOT_A_PLAN.match(m.group(2)):
        return "yo" if _PRO_DROP.match(core) and find_due_text(core[:MAX_SENTENCE]) else None
    return m.group(1).lower()


_V2 = re.compile(r"^\W*(?:[\wÄÖÜäöüß.-]+\s+){0,3}([a-zäöüß]{2,}(?:e|st|t|en))\s+(ich|du|wir)\b")
_V2_AUX = re.compile(r"(?:habe|hast|hat|haben|hatte|hatten|bin|bist|sind|war|waren|kann|konnte|sollte|wollte|"
                     r"denke|glaube|finde|meine)$")


def inverted_subject(sentence: str) -> str | None:
    """ich/du/wir after a German verb in second place ("In zwei Wochen schauen wir ..."), else None."""
    m = _V2.match(sentence[:120])
    if not m or _V2_AUX.match(m.group(1)) or sentence.rstrip().endswith("?"):
        return None
    return m.group(2).lower()


_REPORTED = re.compile(
    r"^\W*(?:(?:[A-ZÀ-Ý][\w-]+|he|she|i|you|we|er|sie|ich|du|wir|il|elle|je|tu|él|ella|yo|ele|ela|eu|voc[êe])"
    r"(?:\s+|(?=['’])))"
    r"(?:'s\s+|'ve\s+|'d\s+|has\s+|have\s+|had\s+)?(?:(?:also|just|then|auch|finally|already)\s+)?"
    r"(?:used to|had|was|were|did|went|gave|made|got|took|thinks?|thought|says?|said|suggest(?:s|ed)|asked|"
    r"mentioned|told|shared|"
    r"explained|felt|feels|believes?|believed|\w{3,}ed|meint|meinte|findet|fand|sagt|sagte|fragte|erzählte|schlug|"
    r"pense|trouve|dit|demande|conseille|sugg[èe]re|cree|piensa|dice|dijo|pregunt[óo]|sugiere|sugiri[óo]|acha|diz|"
    r"disse|perguntou|sugeriu|comentou|contou)\b", re.I)


def reported(sentence: str) -> bool:
    """"Tom suggested ...", "Jürgen meint, ...": what was said or done, not a task."""
    return bool(_REPORTED.match(sentence[:120]))


_ACTION_WORDS = (r"next steps?|action items?|actions?|to ?-?dos?|follow[- ]?ups?|homework|tasks?|n[äa]chste schritte|"
                 r"aufgaben|hausaufgaben|todos?|prochaines? [ée]tapes?|actions? [àa] mener|[àa] faire|devoirs|"
                 r"pr[óo]ximos pasos|tareas|pendientes|deberes|pr[óo]ximos passos|tarefas|a[çc][õo]es|tpc")
# "Things for you", "Punkte für mich", "Cosas para ti": a list of things for someone is theirs to do
_THING_WORDS = r"(?:things?|stuff|items?|bits|points?|dinge|punkte|sachen|choses|cosas|puntos|coisas|pontos)"
# homework is, in mentoring, what the mentee does between sessions
_HOMEWORK = re.compile(r"^(?:homework|hausaufgaben|devoirs|deberes|tpc|li[çc][ãa]o de casa)\b", re.I)
_POSSESSIVE = {"my": "self", "mes": "self", "meine": "self", "mis": "self", "minhas": "self", "meus": "self",
               "your": "other", "tes": "other", "deine": "other", "tus": "other", "tuas": "other", "teus": "other",
               "our": "both", "nos": "both", "unsere": "both", "nuestras": "both", "nossas": "both"}
_FOR_WHOM = {"me": "self", "mich": "self", "moi": "self", "mí": "self", "mi": "self", "mim": "self", "i": "self",
             "ich": "self", "je": "self", "yo": "self", "eu": "self", "mine": "self", "mías": "self", "mias": "self",
             "míos": "self", "mios": "self", "minhas": "self", "meine": "self", "mentor": "mentor", "mentee": "mentee",
             "you": "other", "dich": "other", "toi": "other", "ti": "other", "vous": "other", "du": "other",
             "tu": "other", "tú": "other", "você": "other", "voce": "other", "yours": "other", "tuyas": "other",
             "tuyos": "other", "tuas": "other", "deine": "other", "usted": "other",
             "us": "both", "uns": "both", "nous": "both", "nosotros": "both", "nós": "both", "both": "both",
             "we": "both", "wir": "both", "ambos": "both", "beide": "both", "together": "both"}
# "What you'll do", "Was ich mache", "Ce que je fais", "Lo que haré", "O que eu faço": who does the list below
_WHAT_DO = re.compile(
    r"^(?:what|was|ce que|ce qu'|lo que|o que)\s*(i|you|we|ich|du|wir|je|tu|nous|on|yo|t[úu]|eu|voc[êe]|n[óo]s)?"
    r"(?:'ll|'re|\s+will|\s+are|\s+am)?(?:\s+(?:going to|gonna))?\s+"
    r"(?:do|mache|machst|machen|erledige|fais|faisons|fait|hago|har[ée]|haces|har[áa]s|hacemos|fa[çc]o|fazes|faz|"
    r"fazemos|vou fazer|vais fazer|vai fazer)(?:\s+next)?$", re.I)
_WHAT_VERB_OWNER = {"mache": "self", "erledige": "self", "machst": "other", "machen": "both", "fais": "self",
                    "faisons": "both", "hago": "self", "haré": "self", "hare": "self", "haces": "other",
                    "harás": "other", "haras": "other", "hacemos": "both", "faço": "self", "faco": "self",
                    "fazes": "other", "fazemos": "both", "vou fazer": "self", "vais fazer": "other"}
_HEAD_OWNED = re.compile(
    r"^(?:(" + "|".join(_POSSESSIVE) + r")\s+|([A-ZÀ-Ý][\w-]+)['’]s\s+)(?:" + _ACTION_WORDS + r")$|"
    r"^(?:(?:" + _ACTION_WORDS + r"|" + _THING_WORDS + r")\s+)?(?:for|für|pour|para|pra|pro|de|da|do|von)\s+([\wÀ-ÿ]+)$|"
    r"^(?:" + _ACTION_WORDS + r")\s*(?:\(([\wÀ-ÿ]+)\)|[-–—:]\s*([\wÀ-ÿ]+)|\s+(mías|mias|míos|mios|mine|yours|tuyas|"
    r"tuyos|minhas|tuas))$|"
    r"^(?:on my side|on your side|on me|on you|von meiner seite|von deiner seite|de mon c[ôo]t[ée]|de ton c[ôo]t[ée]|"
    r"por mi parte|por tu parte|da minha parte|da tua parte|da sua parte)$", re.I)
_HEAD_DUE = re.compile(r"^\w+\s+(?:before|by|until|for|bis|zum|avant|pour|para|antes|at[ée])\b", re.I)
_SIDE = {"me": "self", "you": "other", "my": "self", "meiner": "self", "mon": "self", "mi": "self", "minha": "self",
         "your": "other", "deiner": "other", "ton": "other", "tu": "other", "tua": "other", "sua": "other"}


def heading_owner(heading: str) -> tuple[str, str] | None:
    """("rel", "self"/"other"/"both"), ("role", "mentor"/"mentee") or ("name", first name) for an owned
    action heading ("Your homework", "Homework (me)", "Tareas mías", "For you", "What I'll do", "On my
    side"), else None."""
    text = heading.strip()[:60]
    if text.lower() in _FOR_WHOM and text.lower() not in ("mine", "yours", "together"):  # "Me:", "Both:"
        rel = _FOR_WHOM[text.lower()]
        return ("role", rel) if rel in ("mentor", "mentee") else ("rel", rel)
    if w := _WHAT_DO.match(text):
        word = (w.group(1) or "").lower()
        verb = text.lower().split()[-1] if not word else ""
        rel = _FOR_WHOM.get(word) or {"on": "both"}.get(word) or _WHAT_VERB_OWNER.get(verb)
        if rel is None and not word:
            last2 = " ".join(text.lower().split()[-2:])
            rel = _WHAT_VERB_OWNER.get(last2)
        return ("rel", rel) if rel else None
    m = _HEAD_OWNED.match(text)
    if not m:
        if _HOMEWORK.match(text) and (len(text) < 12 or _HEAD_DUE.match(text)):
            return "role", "mentee"  # "Homework", "Homework before we meet on 11/10"
        return None
    if m.group(1):
        return "rel", _POSSESSIVE[m.group(1).lower()]
    if m.lastindex is None:  # "On my side", "De mon côté"
        side = next((w for w in re.findall(r"[\wô]+", text.lower()) if w in _SIDE), "my")
        return "rel", _SIDE[side]
    word = m.group(2) or m.group(3) or m.group(4) or m.group(5) or m.group(6)
    rel = _FOR_WHOM.get(word.lower())
    if rel in ("mentor", "mentee"):
        return "role", rel
    if rel is None and not word[:1].isupper():
        return None  # "For later", "Pour la suite": no one
    return ("rel", rel) if rel else ("name", word)


_LABEL_FOR = re.compile(r"^\s*(?:(?:actions?|to ?-?dos?|tasks?|aufgabe|action item)\s+(?:for|für|pour|para)|on|for|für|pour|"
                        r"para|pra)\s+(?=[\wÀ-ÿ]+\s*$)", re.I)


def label_owner(label: str) -> str:
    """"Action for Priya" -> "Priya"; other labels unchanged."""
    return _LABEL_FOR.sub("", label)


_BREAK = re.compile(r"(?:,|;|\s[-–—])\s+(?:(?:so|and|but|then|und|dann|et|puis|mais|y|pero|e|mas)\s+)?")


def clause_breaks(sentence: str, starts_action) -> list[str]:
    """``sentence`` split where a clause that ``starts_action`` begins after a comma, semicolon or dash."""
    out, start = [], 0
    for m in _BREAK.finditer(sentence[:MAX_SENTENCE]):
        if m.end() > start and starts_action(sentence[m.end():]):
            if sentence[start:m.start()].strip():
                out.append(sentence[start:m.start()].strip())
            start = m.end()
    out.append(sentence[start:].strip())
    return [x for x in out if x]


MAX_SENTENCE = 500
