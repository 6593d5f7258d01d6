"""HAS statements and metadata: phrasing rules (pure) and real recommendations."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from socratext_llm.has.phrasing import condition_and_action, direction, grade_marker, is_legend, is_prescriptive
from socratext_llm.has.statements import extract_metadata, extract_statements
from socratext_llm.pipeline import OcrOptions, ocr_document


@pytest.mark.parametrize("text, expected", [
    ("Il est recommandé de doser la TSH (grade B).", ("B", True)),
    ("Il est recommandé (accord d’experts) : de tenir compte", ("AE", False)),
    ("La prise en charge est pluridisciplinaire (accord professionnel).", ("AE", True)),
    ("basées sur un accord d’experts (AE).", None),  # the abbreviation's definition, not a grade
    ("effets indésirables (grade 3 ou 4 sur une échelle de 0 à 4)", None),
])
def test_grade_markers(text, expected):
    assert grade_marker(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("L’échographie abdominale n’est pas recommandée comme premier examen.", "not_recommended"),
    ("Il est recommandé de ne pas pratiquer de coloscopie précoce.", "not_recommended"),
    ("La liothyronine est contre-indiquée chez la femme enceinte.", "not_recommended"),
    ("Le changement d’opioïde peut être envisagé en cas de douleur rebelle.", "may_be_considered"),
    ("Un changement de voie est recommandé en cas de nécessité (grade B) et peut être envisagé lors d’un transfert.",
     "recommended"),
    ("Il faut évaluer la douleur.", "recommended"),
    ("Le dosage de la T3L n’a pas d’utilité.", "not_recommended"),
    ("L’échographie n’est pas utile dans ce cadre.", "not_recommended"),
    ("La lévothyroxine en monothérapie est le traitement de référence.", "recommended"),
    ("En cas de forme fruste, l’intérêt du traitement est à considérer.", "may_be_considered"),
])
def test_direction(text, expected):
    assert direction(text) == expected


def test_descriptive_sentences_and_legends_are_not_prescriptive():
    assert not is_prescriptive("La diverticulose du côlon est un état asymptomatique.")
    assert not is_prescriptive("Les recommandations de bonne pratique sont des synthèses.")
    assert is_legend("A Preuve scientifique établie")
    assert is_legend("Les recommandations de bonne pratique (RBP) sont définies dans le champ de la santé")


def test_condition_and_action():
    condition, action = condition_and_action(
        "En cas d’allergie prouvée, il est recommandé d’associer lévofloxacine et métronidazole.")
    assert condition == "En cas d’allergie prouvée"
    assert action == "Associer lévofloxacine et métronidazole"
    condition, action = condition_and_action("La metformine peut être maintenue chez les patients insuffisants cardiaques.")
    assert condition == "chez les patients insuffisants cardiaques"
    assert action == "La metformine"


@pytest.fixture(scope="module")
def has(datasets: Path) -> Path:
    return datasets / "has"


@pytest.mark.datasets
def test_numbered_recommendations_with_their_grade_column(has: Path, settings):
    document = ocr_document(has / "01_HAS2024_RBP_strategie_therapeutique_DT2.pdf", OcrOptions(), settings)
    statements = extract_statements(document)
    ids = {s.id for s in statements if s.id}
    assert len(ids) >= 130  # R.1 … R.142 as printed at the start of a row
    by_id = {s.id: s for s in reversed(statements)}
    assert by_id["R.14"].grade == "B" and by_id["R.14"].grade_source == "table"  # grade only in the column
    assert by_id["R.13"].grade == "B" and by_id["R.13"].text.startswith("L’activité physique est une thérapeutique")
    assert by_id["R.33"].grade == "AE"  # grade cell and number read in one row
    assert not any("Preuve scientifique établie" in s.text for s in statements)
    graded = [s for s in statements if s.id]
    assert sum(s.grade is not None for s in graded) / len(graded) >= 0.95
    assert all(s.section for s in graded) and all(1 <= s.page <= 56 for s in statements)
    metadata = extract_metadata(document)
    assert metadata.title == "Stratégie thérapeutique du patient vivant avec un diabète de type 2"
    assert (metadata.kind, metadata.date, metadata.grade_scale) == ("rbp", "2024-05-30", ["A", "B", "C", "AE"])


@pytest.mark.datasets
def test_inline_grades_and_lead_ins_kept_with_their_list(has: Path, settings):
    document = ocr_document(has / "03_HAS2020_RBP_antalgie_sedation_fin_de_vie_texte_recos.pdf", OcrOptions(),
                            settings)
    statements = extract_statements(document)
    change = next(s for s in statements if s.text.startswith("Un changement d’opioïde est recommandé en cas :"))
    assert change.grade == "B" and "de phénomène de tolérance ;" in change.text and "•" not in change.text
    assert Counter(s.grade for s in statements)["AE"] >= 10
    assert extract_metadata(document).date == "2020-01-01"


@pytest.mark.datasets
def test_ungraded_synthesis_messages_count_and_descriptions_do_not(has: Path, settings):
    document = ocr_document(has / "07_HAS2017_synthese_RBP_diverticulite.pdf", OcrOptions(), settings)
    statements = extract_statements(document)
    texts = [s.text for s in statements]
    assert len(statements) >= 30 and all(s.grade is None for s in statements)
    assert "Le lavage péritonéal laparoscopique n’est plus recommandé." in texts
    assert not any(text.startswith("La diverticulose du côlon est un état") for text in texts)
    assert extract_metadata(document).kind == "synthese"


@pytest.mark.parametrize("colour, grade", [
    ("#ccffcc", "A"), ("#ffffcc", "B"), ("#ffff99", "B"), ("#ff99cc", "C"), ("#ffccff", "C"), ("#99ccff", "AE"),
    ("#c7d9f0", "AE"), ("#004a91", None), ("#ffffff", None), ("#ebf0fa", None), (None, None), ("red", None),
])
def test_grade_cell_colours_follow_the_has_key(colour, grade):
    from socratext_llm.has.grade_cells import colour_grade

    assert colour_grade(colour) == grade


@pytest.mark.parametrize("text, iso", [
    ("Validé par le Collège le 30 mai 2024", "2024-05-30"), ("le 1er mars 2020", "2020-03-01"),
    ("Janvier 2020", "2020-01-01"), ("22 novembre 2017", "2017-11-22"), ("décembre 1970", "1970-12-01"),
    ("loi n° 70-1318", None), ("32 mai 2024", None), ("31 février 2020", None),
])
def test_french_dates(text, iso):
    from socratext_llm.has.metadata import parse_french_date

    assert parse_french_date(text) == iso


@pytest.mark.datasets
def test_fiche_memo_metadata_title_is_not_its_banner(has: Path, settings):
    document = ocr_document(has / "12_HAS2016_fiche_memo_chirurgie_bariatrique_moins_18ans.pdf", OcrOptions(), settings)
    metadata = extract_metadata(document)
    assert metadata.title == "Critères d’éligibilité pour la réalisation d’une chirurgie bariatrique chez les moins de 18 ans"
    assert metadata.kind == "fiche_memo" and metadata.organisations[0] == "Haute Autorité de santé"
    assert metadata.date and metadata.date.startswith("2016-")


def test_colour_alone_grades_once_the_document_pairs_colour_and_letter(tmp_path, settings):
    """A green cell holding 'A' (the key) lets an empty green cell grade the statement beside it; an empty
    blue cell, a colour the document never paired with a letter, grades nothing."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    green, blue = (0.8, 1.0, 0.8), (0.6, 0.8, 1.0)
    page.draw_rect(pymupdf.Rect(60, 80, 90, 100), color=None, fill=green)
    page.insert_text((70, 95), "A", fontsize=11)
    page.insert_text((100, 95), "Preuve scientifique établie", fontsize=11)
    page.draw_rect(pymupdf.Rect(60, 200, 90, 230), color=None, fill=green)
    page.insert_text((100, 215), "Le traitement par metformine est recommandé chez l’adulte en première intention.",
                     fontsize=11)
    page.draw_rect(pymupdf.Rect(60, 300, 90, 330), color=None, fill=blue)
    page.insert_text((100, 315), "Une surveillance annuelle de la fonction rénale est recommandée chez tous.",
                     fontsize=11)
    path = tmp_path / "colours.pdf"
    doc.save(path)
    statements = extract_statements(ocr_document(path, OcrOptions(), settings))
    by_start = {s.text.split()[1]: (s.grade, s.grade_source) for s in statements}
    assert by_start == {"traitement": ("A", "margin"), "surveillance": (None, None)}
