"""Claims the release makes in its own words, and the source findings it leaves out."""

from __future__ import annotations

import json

import pytest

from factcheck import check
from factcheck.assess import ClaimChecker, Qualifier, Topics
from factcheck.text import build_document
from tests.conftest import SAMPLES

SOURCE = """Report of the audit of Westmoor District Council, 2024

Summary

The council's financial management is effective and its accounts were published on time. Nearly all invoices were paid within 30 days. A small number of contracts were awarded without competition, and the council has not reviewed them.

The council reduced its carbon emissions by 12 per cent between 2022 and 2024. Staff turnover in the planning team remains too high.

Recommendations

- Review every contract awarded without competition.
- Reduce staff turnover in the planning team.
"""


def claims_of(release: str, fake_embedder):
    return {c.text: c for c in check(release + " Auditors said the council was “effective”.", SOURCE, embedder=fake_embedder).claims}


def checker(fake_embedder):
    source = build_document("s", SOURCE)
    from factcheck.config import load_settings

    settings = load_settings()
    topics = Topics([source.text[s.start : s.end] for s in source.sentences])
    return ClaimChecker(source, settings, Qualifier(settings.lexicon), topics)


def test_a_claim_the_source_makes_is_supported(fake_embedder):
    c = checker(fake_embedder).judge("The auditors found the council reduced its carbon emissions by 12 per cent between 2022 and 2024", 0, 10, None)
    assert c.verdict == "supported"
    assert "12 per cent" in c.evidence_text[0]


def test_a_wrong_number_is_only_partly_supported(fake_embedder):
    c = checker(fake_embedder).judge("The council reduced its carbon emissions by 20 per cent between 2022 and 2024", 0, 10, None)
    assert c.verdict == "partly"
    assert "20" in c.reason


def test_a_stronger_quantifier_is_only_partly_supported(fake_embedder):
    c = checker(fake_embedder).judge("All invoices were paid within 30 days, the audit found", 0, 10, None)
    assert c.verdict == "partly"
    assert "all" in c.reason.lower()


def test_equal_strength_quantifiers_are_accepted(fake_embedder):
    c = checker(fake_embedder).judge("Almost all invoices were paid within 30 days", 0, 10, None)
    assert c.verdict == "supported"


def test_a_negated_finding_is_contradicted(fake_embedder):
    c = checker(fake_embedder).judge("The council's accounts were not published on time and its financial management is effective", 0, 10, None)
    assert c.verdict == "contradicted"


def test_something_the_source_never_says_is_unsupported(fake_embedder):
    c = checker(fake_embedder).judge("The mayor opened a new swimming pool in the town centre last spring", 0, 10, None)
    assert c.verdict == "unsupported"


def test_release_claims_are_found_outside_quotations(fake_embedder):
    release = (
        "Westmoor District Council welcomes its audit report.\n\n"
        "The auditors found that nearly all invoices were paid within 30 days, recognising the council's "
        "financial management is effective.\n\n"
        "Council leader Sam Reid said: “Our finances are in excellent shape and we thank our staff.”"
    )
    report = check(release, SOURCE, embedder=fake_embedder)
    texts = [c.text for c in report.claims]
    assert any(t.startswith("The auditors found that nearly all invoices were paid") for t in texts)
    assert not any("excellent shape" in t for t in texts)


def test_recommendations_the_release_ignores_are_unreported(fake_embedder):
    release = "The auditors said the council's financial management is “effective”. Nearly all invoices were paid within 30 days."
    report = check(release, SOURCE, embedder=fake_embedder)
    unreported = [f.text for f in report.unreported if f.tone == "critical"]
    assert "Review every contract awarded without competition." in unreported
    assert "Reduce staff turnover in the planning team." in unreported
    assert report.balance is not None
    assert report.balance.critical_mentioned == 0
    assert report.balance.positive_mentioned >= 1


@pytest.mark.model
def test_reference_case_claims_get_their_labels():
    labels = json.loads((SAMPLES / "birmingham-2021" / "expected.json").read_text())
    report = check(SAMPLES / "birmingham-2021" / "release.txt", SAMPLES / "birmingham-2021" / "source.txt")
    for label in labels["claims"]:
        matches = [c for c in report.claims if label["text"] in c.text or c.text in label["text"]]
        assert matches, label["text"]
        assert matches[0].verdict == label["verdict"], (label["text"], matches[0].reason)


def test_reference_case_improvement_points_are_all_unreported(fake_embedder):
    labels = json.loads((SAMPLES / "birmingham-2021" / "expected.json").read_text())
    report = check(SAMPLES / "birmingham-2021" / "release.txt", SAMPLES / "birmingham-2021" / "source.txt", embedder=fake_embedder)
    unreported = [" ".join(f.text.split()).rstrip(".") for f in report.unreported]
    for point in labels["unreported_source_findings"]:
        assert point.rstrip(".") in unreported


def test_a_named_service_the_source_never_mentions_is_only_partly_supported(fake_embedder):
    c = checker(fake_embedder).judge(
        "The council's financial management is effective thanks to the Westmoor Digital Hub", 0, 10, None
    )
    assert c.verdict == "partly"
    assert "Westmoor Digital Hub" in c.reason


class CountingEmbedder:
    """The fake embedder, keeping every text it is asked to encode."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.texts: list[str] = []

    def encode(self, texts):
        self.texts.extend(texts)
        return self.inner.encode(texts)


def test_the_model_reads_sentences_once_and_at_most_one_whole_pair(fake_embedder):
    check_with = checker(fake_embedder)
    counting = CountingEmbedder(fake_embedder)
    claim = "Contracts were handed out without any competition and nobody has looked at them since."
    score, window = check_with.semantic_evidence(claim, counting)
    assert window is not None and 0 < score <= 1.0001
    sentences = set(check_with.sentence_texts)
    pairs = [t for t in counting.texts if t != claim and t not in sentences]
    assert len(pairs) <= 1  # only the best two-sentence passage near the top is read whole
    assert counting.texts.count(claim) == 1
    # the score a pair is given is its own (read whole), or its sentences' normalised sum when it was not near the top
    assert window.text in sentences or window.text in pairs or any(
        window.text == " ".join([a, b]) for a, b in zip(check_with.sentence_texts, check_with.sentence_texts[1:])
    )


def test_the_clause_naming_another_speaker_is_not_a_claim(fake_embedder):
    release = (
        "Jo Bloggs, who chaired the council's audit committee during the review, said: “We accept every "
        "recommendation.” The council reduced its carbon emissions by 12 per cent between 2022 and 2024."
    )
    claims = claims_of(release, fake_embedder)
    assert not any("Jo Bloggs" in text for text in claims)
    assert any("carbon emissions" in text for text in claims)


def test_the_subject_of_a_frame_and_a_topic_lead_are_not_claims(fake_embedder):
    release = (
        "Staff turnover in the council's planning team was singled out by auditors: “Staff turnover in the planning "
        "team remains too high.”\n\nOn invoices the council paid within 30 days: “Nearly all invoices were paid "
        "within 30 days.”"
    )
    claims = claims_of(release, fake_embedder)
    assert not any("singled" in text or "planning team" in text or "invoices" in text for text in claims), claims


def test_what_a_quotation_describes_is_part_of_its_frame_not_a_claim(fake_embedder):
    release = (
        "Inspectors described the council's response to referrals as “timely” and praised the speed of its social "
        "workers' visits to families."
    )
    claims = claims_of(release, fake_embedder)
    assert not any("described" in text or "referrals" in text for text in claims), claims
    assert any("praised the speed of its social workers' visits" in text for text in claims)


def test_a_clause_before_a_framed_quotation_is_still_a_claim(fake_embedder):
    release = (
        "The council reduced its carbon emissions by 12 per cent between 2022 and 2024, and auditors said "
        "“its accounts were published on time”."
    )
    assert any("carbon emissions" in text for text in claims_of(release, fake_embedder))


REFERENCE = SAMPLES / "birmingham-2021"
# Sentences of the kind an inspection letter writes, modelled on the reference letter's take-up finding
LETTER = (
    "The family support service is well regarded by parents. Take-up of the family support service, however, "
    "remains too low, and too few families are referred to it.\n\n"
    "All children in care have an up-to-date plan. Leaders do not yet have an accurate picture of the quality of "
    "practice.\n"
)


def only_claim(release: str, source: str, fake_embedder):
    (claim,) = check(release, source, embedder=fake_embedder).claims
    return claim


def test_the_opposite_of_the_letter_is_contradicted(fake_embedder):
    claim = only_claim("The report found that take-up of the family support service remains high.", LETTER, fake_embedder)
    assert (claim.verdict, claim.severity) == ("contradicted", "medium")
    assert "'low'" in claim.reason and "'high'" in claim.reason


def test_a_negation_dropped_from_the_letter_is_contradicted(fake_embedder):
    claim = only_claim(
        "The report found that leaders have an accurate picture of the quality of practice.", LETTER, fake_embedder
    )
    assert claim.verdict == "contradicted" and "negated" in claim.reason


def test_an_association_stated_as_a_cause_is_only_partly_supported(fake_embedder):
    source = "In this cohort, higher physical activity was associated with lower mortality among older adults.\n"
    release = "The study found that higher physical activity leads to lower mortality among older adults."
    claim = only_claim(release, source, fake_embedder)
    assert claim.verdict == "partly" and "association" in claim.reason


def test_a_dropped_hedge_is_only_partly_supported(fake_embedder):
    source = "These results suggest that vaping may desensitise young people to the dangers of smoking.\n"
    release = "The researchers found that vaping desensitises young people to the dangers of smoking."
    claim = only_claim(release, source, fake_embedder)
    assert claim.verdict == "partly" and "hedges" in claim.reason


def test_the_gate_fails_on_a_contradicted_claim_alone_and_passes_a_faithful_release(tmp_path):
    from typer.testing import CliRunner

    from factcheck.cli import Injected, app
    from tests.fakes import HashingEmbedder

    source, wrong, faithful = tmp_path / "letter.txt", tmp_path / "wrong.txt", tmp_path / "faithful.txt"
    source.write_text(LETTER)
    wrong.write_text("The report found that take-up of the family support service remains high.\n")
    faithful.write_text("The report found that take-up of the family support service remains too low.\n")
    runner = CliRunner()
    injected = Injected(embedder_factory=HashingEmbedder)
    failing = runner.invoke(app, ["check", str(wrong), str(source), "--fail-on", "medium"], obj=injected)
    passing = runner.invoke(app, ["check", str(faithful), str(source), "--fail-on", "medium"], obj=injected)
    assert failing.exit_code == 1, failing.output
    assert passing.exit_code == 0, passing.output


def test_a_release_sentence_that_contradicts_a_finding_does_not_mention_it(fake_embedder):
    report = check(
        "The report found that take-up of the family support service remains high, the council said \u201cthanks\u201d.",
        LETTER,
        embedder=fake_embedder,
    )
    take_up = next(f for f in report.findings if f.text.startswith("Take-up of the family support service"))
    assert take_up.status == "contradicted"
    assert take_up in report.unreported
    assert report.balance.critical_mentioned == sum(
        1 for f in report.findings if f.tone == "critical" and f.status in ("quoted", "reflected")
    )


def test_unreported_findings_are_ranked_and_the_list_is_short_unless_asked(fake_embedder):
    from factcheck.config import load_settings, with_overrides

    report = check(
        (SAMPLES / "birmingham-2021" / "release.txt"), SAMPLES / "birmingham-2021" / "source.txt", embedder=fake_embedder
    )
    settings = load_settings()
    assert len(report.unreported) == settings.assess.unreported_limit < report.summary.unreported_total
    importances = [f.importance for f in report.unreported]
    assert importances == sorted(importances, reverse=True)
    assert all(f.section for f in report.unreported[:5])  # the letter's own 'What needs to improve' points first
    every = check(
        (SAMPLES / "birmingham-2021" / "release.txt"), SAMPLES / "birmingham-2021" / "source.txt",
        embedder=fake_embedder, settings=with_overrides(settings, assess={"unreported_limit": 0}),
    )
    assert len(every.unreported) == every.summary.unreported_total


# Sentences from the real dev pairs (samples/real/dev), checked against the test source above or their own.
def test_a_quotation_inside_a_clause_is_read_with_it_as_one_claim(fake_embedder):
    # sci-injury-safer-wapo: the quoted word is part of the release's own sentence
    claims = claims_of("Auditors found the rate of decline was “significant” for 22 of 26 injury categories.", fake_embedder)
    assert "Auditors found the rate of decline was “significant” for 22 of 26 injury categories" in claims
    # insp-dudley-2016: the words after the quotation finish its clause; alone they would read as praise
    claims = claims_of(
        "The council has been aware of the deficits for some time but ‘has not taken sufficiently swift or robust "
        "remedial action’ to ensure children and young people are adequately protected.",
        fake_embedder,
    )
    assert not any(text.startswith("to ensure children") for text in claims), list(claims)


def test_news_about_the_document_is_not_a_claim_about_what_it_found(fake_embedder):
    release = (
        "The study was funded by Leicester City Commissioning Group’s Research Capability Funding. "  # sci-gp-supply
        "Payment times fell sharply, according to a new OIG report. "  # audit2-oig-healthcaregov: the attribution
        "But British researchers criticised the design of the study and dismissed its findings. "  # sci2-vaping
        "I would characterise the auditors' remarks as criticisms of the service's overall leadership. "  # trafford
        "The study, published in the journal BMJ Open, records that nearly all invoices were paid within 30 days."
    )
    claims = claims_of(release, fake_embedder)
    assert not any(w in text for text in claims for w in ("funded", "according", "criticised", "characterise")), list(claims)
    # a publication aside does not hide the finding reported beside it
    assert any("nearly all invoices were paid within 30 days" in text for text in claims)


def test_a_negation_elsewhere_in_the_source_sentence_does_not_reverse_the_claim(fake_embedder):
    # court-parl-sue-gray: the statement's 'no details' is about the report, not about accepting its findings
    from factcheck.assess.strength import strength
    from factcheck.config import load_settings

    settings = load_settings()
    evidence = (
        "While the Metropolitan police must yet complete their investigation, and that means there are no details "
        "of specific events in Sue Gray's report, I of course accept Sue Gray's general findings in full."
    )
    claim = "Boris Johnson has said he accepts Sue Gray's general findings in full"
    assert strength(claim, evidence, Qualifier(settings.lexicon), settings.lexicon).contradiction == ""
    reversed_claim = "Boris Johnson has said he does not accept Sue Gray's general findings in full"
    assert strength(reversed_claim, evidence, Qualifier(settings.lexicon), settings.lexicon).contradiction


def test_an_opposite_word_about_another_thing_or_an_earlier_time_is_no_contradiction():
    from factcheck.assess.strength import strength
    from factcheck.config import load_settings

    settings = load_settings()
    q = Qualifier(settings.lexicon)
    # sci-olympic-inspiration: both are 'levels', of different things
    claim = "low levels of cardiorespiratory fitness in childhood are associated with a heightened risk of metabolic disorders"
    evidence = "High levels of inspiration to participate in new activities reported following London 2012 are encouraging."
    assert strength(claim, evidence, q, settings.lexicon).contradiction == ""
    # insp3-trafford-2019-council: 'good' was the rating of the inspection before
    claim = "Ofsted has rated Trafford Council's children's social care services inadequate for overall effectiveness"
    evidence = (
        "Since the last inspection in 2015, where services were rated as good overall, there has been widespread "
        "deterioration in the quality of services for children in Trafford."
    )
    assert strength(claim, evidence, q, settings.lexicon).contradiction == ""
    # the reference letter's take-up finding is still reversed
    assert strength(
        "Take-up is high.",
        "Take-up, however, remains too low, meaning that a full enough understanding of the reason children go missing is not gained.",
        q, settings.lexicon,
    ).contradiction


# --- real sentences from the dev split of samples/real ----------------------------------------------------------

HELP_TO_BUY = (SAMPLES / "real" / "dev" / "audit-nao-help-to-buy" / "source.txt").read_text(encoding="utf-8")  # the NAO notice


def test_a_negation_about_another_part_of_the_group_does_not_contradict(fake_embedder):
    release = (
        "A new report from the National Audit Office said the scheme had \"increased home ownership and housing "
        "supply\", with the "
        "Government's own research saying 37% of households who used the scheme would not have been able to buy a "
        "home without it."
    )
    verdicts = [c.verdict for c in check(release, HELP_TO_BUY, embedder=fake_embedder).claims]
    assert verdicts and "contradicted" not in verdicts
    # the same part of the group, negated, is contradicted
    same = "The National Audit Office found that many of those using the scheme would not have been able to buy a home anyway."
    assert [c.verdict for c in check(same, HELP_TO_BUY, embedder=fake_embedder).claims] == ["contradicted"]


def test_the_clause_that_only_names_who_spoke_is_not_a_claim(fake_embedder):
    source = (  # samples/real/dev/sci2-alcohol-exercise-guardian (the BJSM abstract)
        "Conclusions Meeting the current physical activity public health recommendations offsets some of the cancer "
        "and all-cause mortality risk associated with alcohol drinking.\n"
    )
    release = (
        "\u201cThe research shows that being active offsets some of the risk of drinking,\u201d said Steven Ward, "
        "executive director of ukactive, which represents the exercise industry."
    )
    texts = [c.text for c in check(release, source, embedder=fake_embedder).claims]
    assert not any("Steven Ward" in t for t in texts)
    # a claim opening 'According to …' is still read
    according = "According to the study, meeting the activity recommendations offsets some of the cancer risk of drinking."
    assert [c.verdict for c in check(according, source, embedder=fake_embedder).claims]
