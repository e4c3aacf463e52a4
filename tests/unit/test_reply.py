"""extract_reply: table tests of quoted history, signatures and disclaimers in many styles."""

import pytest

from agent.understanding.reply import extract_reply, extract_reply_from_bytes

CASES = [
    # (name, input, expected)
    ("plain", "Just text.", "Just text."),
    ("gmail", "Sounds good.\n\nOn Mon, Jan 11, 2027 at 9:00 AM Maria <m@x.org> wrote:\n> Shall we meet?\n", "Sounds good."),
    ("gmail wrapped", "Yes.\n\nOn Mon, Jan 11, 2027 at 9:00 AM Maria Lopez <\nm@x.org> wrote:\n\n> Shall we?\n", "Yes."),
    ("apple", "Fine by me\n\n> On 11 Jan 2027, at 09:00, Maria <m@x.org> wrote:\n>\n> Shall we?", "Fine by me"),
    ("german", "Passt.\n\nAm 11.01.2027 um 09:00 schrieb Maria <m@x.org>:\n> Treffen?", "Passt."),
    ("french", "Parfait.\n\nLe lun. 11 janv. 2027 à 09:00, Maria <m@x.org> a écrit :\n> On se voit ?", "Parfait."),
    ("spanish", "Vale.\n\nEl lun, 11 ene 2027 a las 9:00, Maria (<m@x.org>) escribió:\n> ¿Nos vemos?", "Vale."),
    ("portuguese", "Ok.\n\nEm seg., 11 de jan. de 2027 às 09:00, Maria <m@x.org> escreveu:\n> Vamos?", "Ok."),
    ("dutch", "Prima.\n\nOp ma 11 jan. 2027 om 09:00 schreef Maria <m@x.org>:\n> Zullen we?", "Prima."),
    ("italian", "Va bene.\n\nIl giorno lun 11 gen 2027 alle ore 09:00 Maria <m@x.org> ha scritto:\n> Ci vediamo?", "Va bene."),
    ("polish", "Dobrze.\n\nW dniu 11.01.2027 o 09:00, Maria <m@x.org> pisze:\n> Spotkanie?", "Dobrze."),
    ("swedish", "Okej.\n\nDen mån 11 jan. 2027 kl 09:00 skrev Maria <m@x.org>:\n> Ses vi?", "Okej."),
    ("japanese", "了解です。\n\n2027年1月11日(月) 9:00 Maria <m@x.org>:\n> 会いましょう", "了解です。"),
    ("chinese", "好的。\n\n在 2027年1月11日 09:00，Maria <m@x.org> 写道：\n> 见面？", "好的。"),
    ("outlook en", "Thanks!\n\nFrom: Maria <m@x.org>\nSent: Monday, January 11, 2027 9:00 AM\nTo: Tom <t@x.org>\nSubject: Meeting\n\nShall we meet?", "Thanks!"),
    ("outlook de", "Danke!\n\nVon: Maria <m@x.org>\nGesendet: Montag, 11. Januar 2027 09:00\nAn: Tom <t@x.org>\nBetreff: Treffen\n\nTreffen?", "Danke!"),
    ("outlook fr", "Merci !\n\nDe : Maria <m@x.org>\nEnvoyé : lundi 11 janvier 2027 09:00\nÀ : Tom <t@x.org>\nObjet : Réunion\n\nOn se voit ?", "Merci !"),
    ("outlook separator", "Ok\n\n________________________________\nFrom: Maria <m@x.org>\nSent: Monday\nTo: Tom\n\nOld", "Ok"),
    ("original message", "Yes\n\n-----Original Message-----\nFrom: Maria\nOld text", "Yes"),
    ("signature dash", "See you.\n\n-- \nTom Baker\nSenior Engineer", "See you."),
    ("iphone", "Yes please\n\nSent from my iPhone", "Yes please"),
    ("german mobile", "Ja gerne\n\nVon meinem iPhone gesendet", "Ja gerne"),
    ("not a mobile signature", "Hi\n\nSent from my desk, which is easier than my phone.", "Hi\n\nSent from my desk, which is easier than my phone."),
    ("disclaimer", "Agreed.\n\nThis email and any attachments are confidential and intended solely for the addressee.", "Agreed."),
    ("inline answers kept", "On Mon, Maria <m@x.org> wrote:\n> Thursday?\nYes\n> 17:00?\nBetter 18:00", "Yes\n> 17:00?\nBetter 18:00"),
    ("inline after text", "Hi,\nOn Mon, 11 Jan 2027, Maria <m@x.org> wrote:\n> Thursday?\n\nYes, Thursday.", "Hi,\n> Thursday?\n\nYes, Thursday."),
    ("bottom posted", "On 11/01/2027 09:00, Maria wrote:\n> Thursday?\n\nThursday works.", "Thursday works."),
    ("trailing quote only", "Great\n\n> old\n> text", "Great"),
    ("list footer", "Answer\n\n_______________________________________________\nmentors mailing list\nhttps://x.org/listinfo", "Answer"),
    ("empty", "", ""),
]


@pytest.mark.parametrize("name, text, expected", CASES, ids=[c[0] for c in CASES])
def test_extract_reply(name, text, expected):
    assert extract_reply(text) == expected


def test_crlf_and_nbsp_normalised():
    assert extract_reply("Yes\r\n\r\nOn Mon, A <a@b.c> wrote:\r\n> x\r\n") == "Yes"


def test_scorer_adapter_takes_a_whole_message():
    raw = (b"From: a@b.c\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           b"Sure.\r\n\r\nOn Mon, Jan 11, 2027 at 9:00 AM B <b@c.d> wrote:\r\n> Meet?\r\n")
    assert extract_reply_from_bytes(raw) == "Sure."


@pytest.mark.parametrize("text", ["x" * 1_000_000, "> " * 200_000, "On " * 100_000 + "wrote:", "\n" * 300_000,
                                  ("From: a\n" * 50_000), "a@b.cc " * 50_000 + ":"])
def test_bounded_on_hostile_text(text):
    import time
    start = time.perf_counter()
    extract_reply(text)
    assert time.perf_counter() - start < 2.0


# ------------------------------------------------------------------ the signature policy (see reply.py)
POLICY = [
    ("sign-off and name are kept above a quote", "Works for me.\n\nThanks,\nAlex\n\nOn Mon, 4 Jan 2027, P <p@x.org> wrote:\n> Hi",
     "Works for me.\n\nThanks,\nAlex"),
    ("sign-off and name end the message: removed", "Works for me.\n\nThank you,\nAlex", "Works for me."),
    ("German closing at the end", "Passt mir gut.\n\nViele Grüße\nJana Müller", "Passt mir gut."),
    ("a closing alone is the message", "Thanks,\nAlex", "Thanks,\nAlex"),
    ("a closing followed by prose is not a signature", "Ok.\n\nThanks,\nsee you on Monday at the office then",
     "Ok.\n\nThanks,\nsee you on Monday at the office then"),
    ("mobile footer above a quote is kept (weak sign)",
     "Hello\n\nSent from my iPhone\n\nOn Apr 3, 2012, at 4:19 PM, bob <bob@example.com> wrote:\n> Hi",
     "Hello\n\nSent from my iPhone"),
    ("dash signature above a quote is removed (explicit mark)",
     "Hello\n\n-- \nxxx\nSent with Sparrow\n\nOn Tuesday, April 3, 2012 at 4:55 PM, xxx wrote:\n> Hello", "Hello"),
    ("only quotes: the quote is the message", "> Email with only quote.", "> Email with only quote."),
    ("only attributions: nothing", "> On Thu, A <a@b.c> wrote:\n>\n>> On Thu, A <a@b.c> wrote:\n>>", ""),
    ("contact block below a blank line", "See you then.\n\nJane Doe\nHead of Data\nT: +44 20 7946 0958\njane@example.org",
     "See you then."),
    ("list items above a contact block stay",
     "Status:\nCertification - at risk\nSide project - 40%\n\nPriya Raman\nAnalyst\nT: +44 20 7946 0958\npriya@example.co.uk",
     "Status:\nCertification - at risk\nSide project - 40%"),
    ("a name with an abbreviation is part of the block",
     "Best of luck!\n\nJohn E. Doe, Ph.D.\nPresident\njohn@example.com\nwww.example.com", "Best of luck!"),
    ("disclaimer first, then the contact block",
     "Agreed.\n\nAna Costa\nEngenheira\nT: +351 21 123 4567\nana@example.pt\n\n"
     "Esta mensagem é confidencial e destina-se exclusivamente ao seu destinatário.", "Agreed."),
    ("translated mobile footers", "Passt!\n\nVon meinem iPhone gesendet", "Passt!"),
    ("Outlook for Android footer", "Vale.\n\nObtener Outlook para Android", "Vale."),
    ("a sentence is never the start of an attribution",
     "So sorry, I can't make it on Thursday.\n\nSent from my iPhone\n\n> On 4 Jan 2027, at 09:00, P <p@x.org> wrote:\n> Hi",
     "So sorry, I can't make it on Thursday.\n\nSent from my iPhone"),
]


@pytest.mark.parametrize("name, text, expected", POLICY, ids=[c[0] for c in POLICY])
def test_signature_policy(name, text, expected):
    assert extract_reply(text) == expected
