"""Document structure: line joining, French sentences (properties), and structure of real born-digital PDFs."""
from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socratext_llm.export import to_markdown
from socratext_llm.layout import paragraph_text, paragraphs
from socratext_llm.layout.structure import PAGE_NUMBER
from socratext_llm.layout.text_flow import join_lines, sentences, split_sentences, strip_bullet
from socratext_llm.pipeline import OcrOptions, ocr_document

WORDS = st.text(alphabet="abcdéèxyzABCDÉ", min_size=1, max_size=8)


def test_line_end_hyphens_and_soft_hyphens_are_joined():
    assert join_lines(["l’activité phy-", "sique régulière"]) == "l’activité physique régulière"
    assert join_lines(["chirurgie prophy\u00ad", "lactique"]) == "chirurgie prophylactique"
    assert join_lines(["Saint-", "Denis"]) == "Saint- Denis"  # a capital after the hyphen: a name, kept


@given(st.lists(st.lists(WORDS, min_size=1, max_size=6).map(" ".join), min_size=1, max_size=6))
def test_lines_without_hyphens_meet_with_one_space(lines):
    assert join_lines(lines) == " ".join(lines)


@pytest.mark.parametrize("text, expected", [
    ("Voir cf. art. L. 1111-2 du code. La dose est de 2,5 mg. Il est recommandé (grade B). Puis p. ex. Dr. Roux.",
     ["Voir cf. art. L. 1111-2 du code.", "La dose est de 2,5 mg.", "Il est recommandé (grade B).",
      "Puis p. ex. Dr. Roux."]),
    ("R.12 La valeur 0.5 est haute. 2 patients sur 3 guérissent.",
     ["R.12 La valeur 0.5 est haute.", "2 patients sur 3 guérissent."]),
    ("Il faut évaluer la douleur, etc. Le traitement suit.", ["Il faut évaluer la douleur, etc.", "Le traitement suit."]),
    ("Sans dépasser 300 mg/j. Si 3 doses sont nécessaires, appeler.", ["Sans dépasser 300 mg/j.",
                                                                      "Si 3 doses sont nécessaires, appeler."]),
    ("Doser la vitamine D. Le traitement suit.", ["Doser la vitamine D.", "Le traitement suit."]),
])
def test_french_sentences_survive_abbreviations_and_decimals(text, expected):
    assert sentences(text) == expected


SENTENCE = st.builds(lambda words, end: "Le " + " ".join(words) + end,
                     st.lists(st.sampled_from(["dose", "2,5", "mg", "cf.", "p.", "ex.", "art.", "patient",
                                               "1111-2", "R.12", "(grade", "B)", "0.5", "Dr."]), min_size=1, max_size=8),
                     st.sampled_from([".", " !", " ?"]))


@given(st.lists(SENTENCE, min_size=1, max_size=5))
def test_sentence_spans_cover_the_text_in_order(parts):
    text = " ".join(parts)
    spans = split_sentences(text)
    assert all(a[1] <= b[0] for a, b in pairwise(spans))
    assert "".join(text[s:e] for s, e in spans).replace(" ", "") == text.replace(" ", "")
    assert len(spans) <= len(parts)


@given(st.text(max_size=60))
def test_sentence_splitting_never_loses_a_character(text):
    spans = split_sentences(text)
    assert "".join(text[s:e] for s, e in spans).split() == text.split() or \
        "".join(text[s:e] for s, e in spans).replace(" ", "") == "".join(text.split())


def test_bullets_and_list_numbers_are_recognised_but_not_heading_numbers():
    assert strip_bullet("‒ population générale") == ("‒", "population générale")
    assert strip_bullet("■ de grossesse") == ("■", "de grossesse")
    assert strip_bullet("a) premier cas") == ("a)", "premier cas")
    assert strip_bullet("1. Antalgie")[0] is None


@pytest.fixture(scope="module")
def dt2(datasets: Path, settings):
    return ocr_document(datasets / "has" / "01_HAS2024_RBP_strategie_therapeutique_DT2.pdf", OcrOptions(), settings)


@pytest.mark.datasets
def test_running_footers_and_page_numbers_are_marked_not_text(dt2):
    page = dt2.pages[11]
    footers = [b for b in page.blocks if b.kind == "page_footer"]
    assert footers and "Stratégie thérapeutique" in footers[0].lines[0].text
    assert all(b.section for b in page.blocks if b.kind not in ("page_header", "page_footer"))


@pytest.mark.datasets
def test_a_paragraph_is_joined_across_the_grade_cell_printed_beside_it(dt2):
    texts = [paragraph_text(blocks) for blocks in paragraphs(dt2)]
    joined = next(text for text in texts if text.startswith("R.13 "))
    assert "recommandée dans la prise en charge initiale* du patient" in joined  # two blocks, the 'B' cell between
    assert any("sous insuline, l’utilisation d’un dispositif" in text for text in texts)  # footnote call '8' dropped
    assert any("IMC > 35 kg/m2" in text for text in texts)  # a unit's exponent kept


@pytest.mark.datasets
def test_markdown_writes_heading_levels_from_numbering(datasets: Path, settings):
    document = ocr_document(datasets / "has" / "03_HAS2020_RBP_antalgie_sedation_fin_de_vie_texte_recos.pdf",
                            OcrOptions(), settings)
    markdown = to_markdown(document)
    assert "\n# 1. Antalgie des douleurs rebelles en situations palliatives\n" in markdown
    assert "\n## 1.1 Antalgie des douleurs rebelles (spontanées) en situations palliatives\n" in markdown
    assert "\n### 1.1.1 Changement d’opioïde hors voies d’administration centrales\n" in markdown
    assert "HAS / Service des bonnes pratiques professionnelles / Janvier 2020" not in markdown  # running footer
    assert "\n- de phénomène de tolérance ;\n" in markdown
    assert "\n### 1.1.2 Méthadone\n" in markdown  # its footnote call left out
    assert "dans le traitement des douleurs rebelles, liées ou non au cancer" in markdown  # across a page break
    assert "\n#### ► Kétamine\n" in markdown  # a bullet heading under a numbered one is one level deeper


def test_pdf_bookmarks_set_heading_levels(tmp_path, settings):
    """A title in body-size type is a heading at its outline level when the PDF's bookmarks name it."""
    import pymupdf

    doc = pymupdf.open()
    for number in (1, 2):
        page = doc.new_page(width=595, height=842)
        page.insert_text((72, 90), f"Partie {number} : contexte général", fontsize=11)
        page.insert_text((72, 130), "Objectifs détaillés du travail", fontsize=11)
        for row in range(12):
            page.insert_text((72, 170 + 16 * row), f"Le texte courant de la partie {number} continue ici, ligne {row}.",
                             fontsize=11)
        page.insert_text((290, 820), f"{number}", fontsize=9)
    doc.set_toc([[1, "Partie 1 : contexte général", 1], [2, "Objectifs détaillés du travail", 1],
                 [1, "Partie 2 : contexte général", 2]])
    path = tmp_path / "outline.pdf"
    doc.save(path)
    document = ocr_document(path, OcrOptions(), settings)
    headings = [(block.heading_level, block.lines[0].text) for page in document.pages for block in page.blocks
                if block.kind == "heading"]
    assert headings == [(1, "Partie 1 : contexte général"), (2, "Objectifs détaillés du travail"),
                        (1, "Partie 2 : contexte général")]
    body = next(block for block in document.pages[0].blocks if block.kind == "paragraph")
    assert body.section == ["Partie 1 : contexte général", "Objectifs détaillés du travail"]
    assert all(block.kind == "page_footer" for page in document.pages for block in page.blocks
               if block.lines[0].text.strip().isdigit())


@pytest.mark.datasets
def test_a_heading_sharing_its_pdf_block_with_the_text_below_stays_a_heading(datasets: Path, settings):
    document = ocr_document(datasets / "icdar2013" / "eu-001.pdf", OcrOptions(), settings)
    markdown = to_markdown(document)
    assert "\n## E-PRTR pollutants and their thresholds\n\nA facility has to report data under E-PRTR" in markdown
    assert "\n- the facility has a capacity exceeding at least one of the E-PRTR capacity thresholds\n" in markdown


def test_a_line_ending_on_an_article_or_preposition_is_mid_sentence():
    from socratext_llm.layout.text_flow import ends_mid_sentence

    assert ends_mid_sentence("être en lien avec un") and ends_mid_sentence("la prise en charge de l’")
    assert not ends_mid_sentence("la prise en charge.") and not ends_mid_sentence("un suivi annuel")
    assert strip_bullet("´ recherche de comorbidités") == ("´", "recherche de comorbidités")
    assert strip_bullet("\uf0e0 Une concertation") == ("\uf0e0", "Une concertation")


def test_markdown_keeps_the_printed_lines_of_a_scanned_form(example_scan, settings):
    """OCR blocks of a form hold 'Label : value' rows: Markdown keeps them on their own lines while prose
    rows run together."""
    from socratext_llm.pipeline import ocr

    markdown = to_markdown(ocr(example_scan, settings=settings))
    # the space before a colon is OCR's to read or not (bfloat16 OpenVINO reads "Bailleur:")
    assert re.search(r"Bailleur ?: Mme Hélène Durand, 12 rue des Lilas, 69003 Lyon\nLocataire ?: M\. François Lefèvre\n",
                     markdown)
    assert "propriétaire du logement désigné ci-dessus, déclare avoir reçu" in markdown


@given(st.sampled_from(["{n}", "- {n} -", "Page {n}", "p. {n}", "{n}/{t}", "Page {n} de {t}", "page {n} of {t}",
                        "— Page {n} sur {t} —", "PAGE {n}/{t}."]), st.integers(1, 9999), st.integers(1, 9999))
def test_one_pattern_knows_a_page_number_however_it_is_printed(form, number, total):
    """The structure drops it as running furniture; the extraction never takes it for a header value."""
    assert PAGE_NUMBER.match(form.format(n=number, t=total))


@pytest.mark.parametrize("text", ["Total 12", "12 rue de la Paix", "Page de garde", "Pages 2 à 4", "Article 12 de la loi"])
def test_text_with_a_number_is_no_page_number(text):
    assert not PAGE_NUMBER.match(text)
