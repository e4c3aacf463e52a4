"""Templates: strict, sandboxed, subject line first, people's text never evaluated."""

import pytest

from agent.templating import TemplateError, Templates


def make(tmp_path, name, text, html=None):
    (tmp_path / f"{name}.txt.j2").write_text(text)
    if html is not None:
        (tmp_path / f"{name}.html.j2").write_text(html)
    return Templates([tmp_path])


def test_subject_text_and_generated_html(tmp_path):
    templates = make(tmp_path, "hello", "Subject: Hi {{ name }}\n\nDear {{ name }} & co\n")
    rendered = templates.render("hello", {"name": "Ann"})
    assert rendered.subject == "Hi Ann"
    assert rendered.text == "Dear Ann & co\n"
    assert "Dear Ann &amp; co" in rendered.html


def test_user_text_is_data_not_template_code(tmp_path):
    templates = make(tmp_path, "t", "Subject: s\n{{ reply_text }}\n", "<p>{{ reply_text }}</p>")
    rendered = templates.render("t", {"reply_text": "{{ 7*7 }} <script>x</script>"})
    assert "{{ 7*7 }}" in rendered.text
    assert "&lt;script&gt;" in rendered.html


def test_undefined_variables_are_errors(tmp_path):
    templates = make(tmp_path, "t", "Subject: s\n{{ missing }}\n")
    with pytest.raises(TemplateError, match="missing"):
        templates.render("t", {})


def test_sandbox_blocks_attribute_escapes(tmp_path):
    templates = make(tmp_path, "t", "Subject: s\n{{ ''.__class__.__mro__ }}\n")
    with pytest.raises(TemplateError):
        templates.render("t", {})


def test_locale_variant_wins_and_first_folder_wins(tmp_path):
    program, shipped = tmp_path / "program", tmp_path / "shipped"
    program.mkdir(), shipped.mkdir()
    (shipped / "t.txt.j2").write_text("Subject: shipped\nx\n")
    (program / "t.txt.j2").write_text("Subject: program\nx\n")
    (program / "t.de.txt.j2").write_text("Subject: Programm\nx\n")
    templates = Templates([program, shipped])
    assert templates.render("t", {}).subject == "program"
    assert templates.render("t", {}, locale="de_DE").subject == "Programm"


def test_missing_subject_line_is_reported(tmp_path):
    templates = make(tmp_path, "t", "no subject here\n")
    with pytest.raises(TemplateError, match="Subject"):
        templates.render("t", {})
