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

_CLITIC = r"(?:(?:me|te|se|le|la|les|lui|leur|nous|vous|lhe|nos|lo|y|en|mich|dich|dir|mir|uns)\s+|[mtsl]['’])"
_INTRO = re.compile(r"^\W*(?:[\wÀ-ÿ'’]+\s+){0,3}[\wÀ-ÿ'’]+\s*,\s+(?=[\wÀ-ÿ])")
_SUBJECTS = r"(?:ich|du|je|tu|yo|t[úu]|eu|voc[êe])"


def strip_intro(sentence: str) -> str:
    """The sentence without a short opening phrase before a comma ("As agreed, I'll ..." -> "I'll ...")."""
    m = _INTRO.match(sentence[:80])
    return sentence[m.end():] if m else sentence


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


def prose_commitment(sentence: str) -> str | None:
    """The subject word when a present-tense sentence states a plan ("Du meldest dich ... an"), else None."""
    if sentence.rstrip().endswith("?") or sentence.lstrip().startswith("¿"):
        return None
    m = _PROSE.match(strip_intro(sentence))
    if not m or _NOT_A_PLAN.match(m.group(2)):
        return None
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
_POSSESSIVE = {"my": "self", "mes": "self", "meine": "self", "mis": "self", "minhas": "self", "meus": "self",
               "your": "other", "tes": "other", "deine": "other", "tus": "other", "tuas": "other", "teus": "other",
               "our": "both", "nos": "both", "unsere": "both", "nuestras": "both", "nossas": "both"}
_FOR_WHOM = {"me": "self", "mich": "self", "moi": "self", "mí": "self", "mi": "self", "mim": "self",
             "you": "other", "dich": "other", "toi": "other", "ti": "other", "vous": "other",
             "us": "both", "uns": "both", "nous": "both", "nosotros": "both", "nós": "both", "both": "both"}
_HEAD_OWNED = re.compile(
    r"^(?:(" + "|".join(_POSSESSIVE) + r")\s+|([A-ZÀ-Ý][\w-]+)['’]s\s+)(?:" + _ACTION_WORDS + r")$|"
    r"^(?:(?:" + _ACTION_WORDS + r")\s+)?(?:for|für|pour|para|de|da|do)\s+([\wÀ-ÿ]+)$", re.I)


def heading_owner(heading: str) -> tuple[str, str] | None:
    """("rel", "self"/"other"/"both") or ("name", first name) for an owned action heading, else None."""
    m = _HEAD_OWNED.match(heading.strip()[:60])
    if not m:
        return None
    if m.group(1):
        return "rel", _POSSESSIVE[m.group(1).lower()]
    word = m.group(2) or m.group(3)
    rel = _FOR_WHOM.get(word.lower())
    return ("rel", rel) if rel else ("name", word)


_LABEL_FOR = re.compile(r"^\s*(?:actions?|to ?-?dos?|tasks?|aufgabe|action item)\s+(?:for|für|pour|para)\s+", re.I)


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
