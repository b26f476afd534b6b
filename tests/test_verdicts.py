"""Every verdict, on short texts written for these tests."""

from __future__ import annotations

import pytest

from factcheck import check

SOURCE = """Inspection of Northfield Academy

Leaders have created a calm and orderly school. Most pupils attend regularly and arrive on time. However, a small number of pupils are persistently absent, and leaders' actions have not reduced this quickly enough.

The curriculum is ambitious and well sequenced in most subjects. In mathematics, pupils build their knowledge securely over time, although in some year groups teachers do not check pupils' understanding carefully enough.

Pupils behave well in lessons and, in most cases, at social times. The school's library, which was refurbished last year, is popular with pupils.

Pupils with special educational needs receive effective support. Staff know these pupils well and adapt their teaching to meet their needs.

Safeguarding arrangements are effective. Staff are well trained and report concerns promptly.
"""


def only_finding(release: str, fake_embedder):
    report = check(release, SOURCE, embedder=fake_embedder)
    assert len(report.quotes) >= 1
    return report.quotes[0]


def test_word_for_word_quote_is_verbatim(fake_embedder):
    f = only_finding("Inspectors said: ‘Staff know these pupils well and adapt their teaching to meet their needs.’", fake_embedder)
    assert f.verdict == "verbatim"
    assert f.severity == "none"
    assert f.source_text.startswith("Staff know these pupils well")


def test_lower_cased_first_letter_and_curly_apostrophes_stay_verbatim(fake_embedder):
    f = only_finding("Ofsted found that “safeguarding arrangements are effective”, adding that ‘staff are well trained’.", fake_embedder)
    assert f.verdict == "verbatim"


def test_marked_ellipsis_over_plain_words_is_a_minor_edit(fake_embedder):
    f = only_finding("The report said ‘the school’s library … is popular with pupils.’", fake_embedder)
    assert f.verdict == "minor_edit"
    assert any("refurbished last year" in o for o in f.omitted)


def test_bracketed_insertion_is_a_minor_edit(fake_embedder):
    f = only_finding("Inspectors said that ‘[Northfield’s] safeguarding arrangements are effective.’", fake_embedder)
    assert f.verdict == "minor_edit"


def test_stronger_quantifier_is_altered(fake_embedder):
    f = only_finding("Inspectors found that ‘all pupils attend regularly and arrive on time.’", fake_embedder)
    assert f.verdict == "altered"
    assert f.severity == "high"
    assert "Most" in f.explanation or "most" in f.explanation


def test_silently_dropped_qualifier_is_elided(fake_embedder):
    f = only_finding("The inspectors noted that ‘pupils behave well in lessons and at social times.’", fake_embedder)
    assert f.verdict == "elided"
    assert f.omitted[0].strip(" ,") == "in most cases"
    assert f.severity == "high"


def test_quote_stopping_before_qualifying_clause_is_truncated(fake_embedder):
    f = only_finding("According to the report, ‘in mathematics, pupils build their knowledge securely over time’.", fake_embedder)
    assert f.verdict == "truncated"
    assert "although in some year groups" in f.omitted[0]


def test_finding_followed_by_a_contrasting_sentence_is_context_omitted(fake_embedder):
    f = only_finding("Ofsted said ‘most pupils attend regularly and arrive on time.’", fake_embedder)
    assert f.verdict == "context_omitted"
    assert f.omitted[0].startswith("However, a small number of pupils are persistently absent")


def test_words_the_source_never_says_are_not_in_source(fake_embedder):
    f = only_finding("Inspectors said the academy was ‘the finest school anywhere in the county, bar none.’", fake_embedder)
    assert f.verdict == "not_in_source"
    assert f.source_start == -1


def test_a_named_person_speaking_is_other_speaker(fake_embedder):
    f = only_finding("Headteacher Jane Smith said: “We are proud of every one of our pupils and staff.”", fake_embedder)
    assert f.verdict == "other_speaker"
    assert f.speaker == "other"
    assert "Jane Smith" in f.speaker_name


def test_silently_dropped_sentence_between_quoted_sentences_is_elided(fake_embedder):
    release = (
        "The report states: ‘Leaders have created a calm and orderly school. Most pupils attend regularly and "
        "arrive on time. Leaders’ actions have not reduced this quickly enough.’"
    )
    f = only_finding(release, fake_embedder)
    assert f.verdict == "elided"
    assert any("small number of pupils are persistently absent" in o for o in f.omitted)


@pytest.mark.parametrize("fmt", ["json", "md", "text"])
def test_every_format_renders(fmt, fake_embedder):
    from factcheck.report import render

    report = check("Ofsted said ‘most pupils attend regularly and arrive on time.’", SOURCE, embedder=fake_embedder)
    out = render(report, fmt, source_text=SOURCE)
    assert report.quotes[0].verdict == "context_omitted"
    # what the report adds to its input: the neighbouring sentence the release left out, from the source
    assert "persistently absent" in out
    assert ("context_omitted" if fmt == "json" else "ontext") in out


def test_passages_joined_silently_from_different_paragraphs_are_elided(fake_embedder):
    f = only_finding(
        "Inspectors said: ‘Leaders have created a calm and orderly school. Safeguarding arrangements are effective.’",
        fake_embedder,
    )
    assert f.verdict == "elided"
    assert any(op.moved for op in f.edits)


def test_passages_joined_by_an_ellipsis_in_source_order_are_a_minor_join(fake_embedder):
    f = only_finding("Ofsted said: ‘Pupils with special educational needs receive effective support … Safeguarding arrangements are effective.’", fake_embedder)
    assert f.verdict == "minor_edit"


def test_passages_put_in_a_different_order_are_elided(fake_embedder):
    f = only_finding(
        "Inspectors said: ‘Staff are well trained and report concerns promptly … Leaders have created a calm and orderly school.’",
        fake_embedder,
    )
    assert f.verdict == "elided"
    assert "different order" in f.explanation


def test_a_name_credited_with_the_sources_words_is_the_source_for_its_other_quotations(fake_embedder):
    release = (
        "The Northfield Education Trust found that ‘staff know these pupils well and adapt their teaching to meet "
        "their needs.’ The Northfield Education Trust also concluded that ‘every pupil makes outstanding progress "
        "in every subject.’ The NET noted: ‘pupils lead the school’s debating society with great confidence.’ "
        "Jo Bloggs, the head teacher, said: ‘We are delighted with these findings.’"
    )
    verdicts = [(q.speaker, q.verdict) for q in check(release, SOURCE, embedder=fake_embedder).quotes]
    assert verdicts == [
        ("source", "verbatim"),  # the source's words: the name is the source's in this release
        ("source", "not_in_source"),  # so the same name's invented words are checked, and flagged
        ("source", "not_in_source"),  # as are those credited to its initials
        ("other", "other_speaker"),  # a person's words are still not checked
    ]


def test_a_name_never_credited_with_the_sources_words_stays_another_speaker(fake_embedder):
    release = "The Northfield Education Trust concluded that ‘every pupil makes outstanding progress in every subject.’"
    assert [q.verdict for q in check(release, SOURCE, embedder=fake_embedder).quotes] == ["other_speaker"]


def test_a_bracketed_replacement_whose_words_the_source_has_elsewhere_is_a_minor_edit(fake_embedder):
    # 'the school's library' is in the source two paragraphs earlier: bracketed words never anchor the alignment,
    # so nothing between there and the quoted sentence is reported as silently dropped
    f = only_finding(
        "Inspectors said that ‘[staff at the school's library] know these pupils well and adapt their teaching to "
        "meet their needs.’",
        fake_embedder,
    )
    assert f.verdict == "minor_edit", f.explanation
    assert f.omitted == []


def test_a_not_dropped_just_after_the_quotations_first_words_is_altered(fake_embedder):
    f = only_finding("The report found that ‘teachers do check pupils' understanding carefully enough’.", fake_embedder)
    assert f.verdict == "altered", f.explanation
    assert "not" in f.omitted
    assert "reverses" in f.explanation


def test_a_quoted_word_the_source_uses_in_another_form_is_a_minor_edit(fake_embedder):
    f = only_finding("The report praised the ‘sequencing’ of the curriculum in most subjects.", fake_embedder)
    assert (f.verdict, f.severity) == ("minor_edit", "none")
    assert "‘sequencing’ for ‘sequenced’" in f.explanation


def test_a_quoted_word_the_source_never_uses_in_any_form_stays_high(fake_embedder):
    f = only_finding("Inspectors described the school as ‘exceptional’ in every respect.", fake_embedder)
    assert (f.verdict, f.severity) == ("not_in_source", "high")
