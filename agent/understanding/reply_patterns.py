"""The patterns behind reply.py: quote attributions, Outlook header blocks, signatures and
disclaimers in many languages. Every pattern is bounded (no nested quantifiers)."""

from __future__ import annotations

import re

MAX_CHARS = 200_000
MAX_LINE = 2_000
MAX_LINES = 5_000

# "On <date>, <name> wrote:" and its translations; matched against one line or two joined lines.
_QUOTE_HEADERS = [
    r"^-*\s*(on|at)\b.{0,300}\b(wrote|writes|said|sent)\s*:?[\s-]*$",
    r"^.{0,300}\bwrote:\s*$",
    r"^(am|on)\b.{0,300}\bschrieb\b.{0,200}:?\s*$",
    r"^.{0,300}\bschrieb\b.{0,200}:\s*$",
    r"^le\b.{0,300}\ba\s+[ée]crit\s*:?\s*$",
    r"^.{0,300}\ba\s+[ée]crit\s*:\s*$",
    r"^el\b.{0,300}\bescribi[óo]\s*:?\s*$",
    r"^.{0,300}\bescribi[óo]\s*:\s*$",
    r"^(em|no dia)\b.{0,300}\bescreveu\s*:?\s*$",
    r"^.{0,300}\bescreveu\s*:\s*$",
    r"^op\b.{0,300}\bschreef\b.{0,200}:?\s*$",
    r"^.{0,300}\bschreef\b.{0,200}:\s*$",
    r"^il\b.{0,300}\bha\s+scritto\s*:?\s*$",
    r"^.{0,300}\bha\s+scritto\s*:\s*$",
    r"^(w\s+dniu|dnia)\b.{0,300}\b(pisze|napisa[łl]a?)\s*:?\s*$",
    r"^.{0,300}\b(pisze|napisa[łl]a?|napisal)\s*:\s*$",
    r"^(den|på)\b.{0,300}\bskrev\b.{0,200}:?\s*$",
    r"^.{0,300}\bskrev\b.{0,200}:\s*$",
    r"^.{0,300}\b(написал|написала|написав|пише|пишет)(\(а\))?\s*:\s*$",
    r"^.{0,300}(写道|寫道)\s*[:：]\s*$",
    r"^.{0,300}(のメッセージ|は書きました)\s*[:：]\s*$",
    r"^.{0,60}\d{4}.{0,200}\s(от|from)\s.{0,200}<[^<>@\s]{1,100}@[^<>\s]{1,200}>\s*:\s*$",
]
_HEADER_WORD = re.compile(
    r"wrote|writes|said|sent|schrieb|schreef|crit|escribi|escreveu|scritto|pisze|napisa|skrev|напис|пише|写道|寫道|"
    r"のメッセージ|書きました|от|from",
    re.IGNORECASE,
)
_QUOTE_HEADER_RE = [re.compile(p, re.IGNORECASE) for p in _QUOTE_HEADERS]

_ORIGINAL = re.compile(
    r"^\s*[-_=*]{2,}\s*(original message|original|urspr[üu]ngliche nachricht|message d'origine|"
    r"mensaje original|mensagem original|oorspronkelijk bericht|messaggio originale|"
    r"oryginalna wiadomo[śs][ćc]|ursprungligt meddelande|opprinnelig melding|"
    r"исходное сообщение|forwarded message|weitergeleitete nachricht|message transf[ée]r[ée]|"
    r"mensaje reenviado|begin forwarded message)\s*[-_=*]{0,}\s*$",
    re.IGNORECASE,
)
_BEGIN_FWD = re.compile(r"^\s*(begin forwarded message|anfang der weitergeleiteten nachricht)\s*:\s*$", re.I)

_FROM = r"(from|von|de|da|van|od|från|fra|от|发件人|寄件者|差出人|kimden|lähettäjä)"
_SENT = r"(sent|date|gesendet|datum|envoy[ée]|date|enviado|fecha|data|inviato|verzonden|wys[łl]ano|skickat|sendt|отправлено|дата|发送时间|日期|送信日時|tarih)"
_TO = r"(to|an|à|a|para|aan|do|till|til|кому|收件人|宛先|kime|cc|subject|betreff|objet|asunto|assunto|onderwerp|oggetto|temat|ämne|emne|тема|主题|件名|konu)"
_FROM_LINE = re.compile(r"^\s*\*?" + _FROM + r"\s*\*?\s*[:：]\s*\S", re.IGNORECASE)
_FIELD_LINE = re.compile(r"^\s*\*?(" + _SENT[1:-1] + "|" + _TO[1:-1] + r")\s*\*?\s*[:：]", re.IGNORECASE)
_SEPARATOR = re.compile(r"^\s*_{10,}\s*$")

_SIG_DASH = re.compile(r"^\s*--\s*$|^\s*-- \S|^__\s*$")
_MOBILE = re.compile(
    r"^\s*[(<]*\s*(sent (from|via|with|using|by) |get outlook for |sent on the go|from my (iphone|ipad|android|mobile)|"
    r"outlook f[üu]r (android|ios) herunterladen|obtenir outlook pour |obtener outlook para |obter o outlook para |"
    r"outlook voor (android|ios) downloaden|scarica outlook per |verzonden vanaf mijn |"
    r"von meinem .{0,40}gesendet|gesendet von meinem|gesendet mit |diese nachricht wurde von meinem .{0,60}gesendet|"
    r"envoy[ée] de mon |envoy[ée] depuis |enviado desde mi |enviado de meu |enviado do meu |enviado desde |"
    r"verzonden (met|vanaf) |inviato da(l mio)? |wys[łl]ano z |skickat fr[åa]n min |sendt fra min |"
    r"отправлено с |从我的.{0,20}发送|從我的.{0,20}傳送|\S+ from mobile\s*$|.{0,30}\bvia mobile\s*$)",
    re.IGNORECASE,
)
_NOT_MOBILE = re.compile(r"^\s*sent from my (desk|office|home|computer|laptop)\b", re.IGNORECASE)
_DISCLAIMER = re.compile(
    r"^\s*(this (e-?mail|message|communication)\b.{0,80}\b(confidential|privileged|intended)|"
    r"confidentiality notice|disclaimer\s*:|the information (contained )?in this (e-?mail|message)|"
    r"diese (e-?mail|nachricht) (enthält|kann) vertrauliche|ce (message|courriel|e-?mail) (et|est) .{0,40}confidenti|"
    r"este (mensaje|correo)\b.{0,60}confidencial|esta (mensagem|comunica[çc][ãa]o|e-?mail)\b.{0,60}confidencial|"
    r"(questo|il presente) (messaggio|e-?mail)\b.{0,60}(confidenziale|riservat)|"
    r"(dit|deze) (bericht|e-?mail)\b.{0,60}vertrouwelijk|"
    r"(cet?|le pr[ée]sent) (message|courriel|e-?mail)\b.{0,80}confidenti|"
    r"(este|el presente) (mensaje|correo)\b.{0,80}confidencial|"
    r"diese (e-?mail|nachricht)\b.{0,80}vertraulich)",
    re.IGNORECASE,
)
