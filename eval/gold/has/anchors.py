"""HAS gold, as annotations: hand-chosen statement spans (page, first and last words, grade, printed id)
and hand-written decision trees, read from the rendered pages of `../shared/datasets/has`.

The documents' text is not stored here (copyright HAS): `socratext eval run --dataset has` builds the
gold files from these anchors and the PDFs (`socratext_llm/evaluation/has_gold.py`).
"""

D07 = "07_HAS2017_synthese_RBP_diverticulite"
D01 = "01_HAS2024_RBP_strategie_therapeutique_DT2"
D04 = "04_HAS2009_reco2clics_obesite_chirurgie_adulte"
D10 = "10_HAS2017_algorithme_orientation_HAD"
D14 = "14_HAS2014_guide_parcours_maladie_coronarienne_stable"


def main(gold):
    statements, tree, write, span, document = gold.statements, gold.tree, gold.write, gold.span, gold.document
    s07 = statements(D07, [
        (1, "Le scanner abdomino-pelvien est recommandé", "diverticulite aiguë sigmoïdienne.", None),
        (1, "Le traitement ambulatoire est recommandé", "contexte social défavorable.", None),
        (1, "Le traitement symptomatique sans antibiotique", "grossesse.", None),
        (1, "L'intervention de Hartmann est recommandée quel", "instabilité hémodynamique.", None),
        (1, "Le lavage péritonéal laparoscopique n'est plus recommandé.", "n'est plus recommandé.", None),
        (1, "La sigmoïdectomie élective systématique", "qualité de vie.", None),
        (1, "Chez le patient asymptomatique", "en soi.", None),
        (2, "Il est recommandé de réaliser comme bilan", "de la créatinine.", None),
        (2, "Un examen d'imagerie est nécessaire", "à chaque épisode.", None),
        (2, "Le scanner abdomino-pelvien est recommandé", "aiguë sigmoïdienne.", None),
        (2, "Une injection intraveineuse de produit", "contre-indication.", None),
        (2, "L'opacification digestive basse", "de la diverticulite aiguë.", None),
        (2, "L'échographie abdominale n'est pas recommandée", "premier examen d'imagerie.", None),
        (2, "Les examens paracliniques suivants", "coloscopie virtuelle.", None),
        (2, "Il est recommandé de ne pas pratiquer de coloscopie précoce", "aiguë sigmoïdienne.", None),
        (2, "Le traitement ambulatoire est recommandé", "contexte social défavorable.", None),
        (2, "Le traitement symptomatique sans antibiotique", "de grossesse.", None),
        (2, "En l'absence de comorbidité significative", "recommandée en ambulatoire.", None),
        (2, "Dans cette situation, une surveillance", "est recommandée.", None),
        (2, "En cas de non réponse à ce traitement", "au métronidazole.", None),
        (2, "En cas de signes de gravité, grossesse", "est recommandée.", None),
        (2, "Une alimentation non restrictive", "si elle est tolérée.", None),
        (3, "Il n'est pas recommandé de pratiquer une surveillance biologique", "diverticulite aiguë.", None),
        (3, "En l'absence de point d'appel", "n'est pas recommandée.", None),
        (3, "Il n'est pas recommandé de réaliser une coloscopie systématique", "cancer colorectal.", None),
        (3, "Il est recommandé de réaliser une coloscopie au décours", "aiguë compliquée.", None),
        (3, "Aucun régime alimentaire ne peut être recommandé", "récidives de diverticulite.", None),
        (3, "Il est recommandé de ne pas contre-indiquer", "survenue d'une diverticulite.", None),
        (3, "En l'absence d'argument scientifique, il n'est pas recommandé", "ou de mésalamine.", None),
        (3, "En cas de diverticulite compliquée, une antibiothérapie", "ceftriaxone et métronidazole.", None),
        (3, "En cas d'allergie prouvée, une association", "est recommandée.", None),
        (3, "Il est recommandé de drainer radiologiquement", "techniquement faisable.", None),
        (3, "Une antibiothérapie seule, sans geste chirurgical", "sauf si immunosuppression.", None),
        (3, "L'intervention de Hartmann est recommandée, quel", "instabilité hémodynamique.", None),
        (3, "Dans les stades Hinchey I et II", "plus ou moins protégée.", None),
        (3, "Dans les stades Hinchey III", "anastomose non protégée.", None),
        (4, "Le lavage péritonéal laparoscopique n'est pas recommandé.", "n'est pas recommandé.", None),
        (4, "La résection-anastomose en un temps", "si elle est jugée nécessaire.", None),
        (4, "La sigmoïdectomie élective est recommandée en cas de", "sténose symptomatique.", None),
        (4, "Il est recommandé de proposer une sigmoïdectomie élective", "impactant la qualité de vie.", None),
        (4, "La sigmoïdectomie élective systématique après poussée", "qualité de vie.", None),
        (4, "Chez le patient asymptomatique", "prophylactique en soi.", None),
        (4, "Il est recommandé de discuter une sigmoïdectomie", "cardiopathie et BPCO.", None),
        (4, "Si l'indication d'une sigmoïdectomie élective", "dernière poussée.", None),
        (4, "Il est recommandé : ", "pour pathologie diverticulaire.", None),
        (4, "La résection doit emporter", "poussées inflammatoires.", None),
        (4, "L'ensemble du côlon sigmoïde doit être", "de façon systématique.", None),
        (4, "Il est recommandé de ne pas étendre", "diverticulose en amont.", None),
        (4, "La réhabilitation améliorée est recommandée", "chirurgie colorectale.", None),
        (4, "Après diverticulite aiguë droite non compliquée", "n'est pas recommandée.", None),
    ])
    t07a = tree("g1", "DIVERTICULITE NON COMPLIQUÉE", 5, {
        1: ("Patient avec suspicion de diverticulite colique (douleurs de la fosse iliaque gauche, troubles du transit, fièvre, défense fosse iliaque gauche)", "start"),
        2: ("Sepsis grave ou choc", "question"), 3: ("Hospitalisation en urgence", "end"),
        4: ("Bilan sanguin (hémogramme, CRP, créatinine", "action"), 5: ("CRP ≤ 5 mg/l et GB ≤ 10 G/l", "action"),
        6: ("CRP > 5 mg/l ou GB > 10 G/l", "action"), 7: ("Orientation vers autres diagnostics", "end"),
        8: ("Diverticulite au scanner abdominopelvien avec injection", "question"),
        9: ("Diverticulite compliquée", "question"), 10: ("Traitement médical", "end")},
        [(1, 2, None), (2, 3, "OUI"), (2, 4, "NON"), (4, 5, None), (4, 6, None), (5, 7, None), (6, 8, None),
         (8, 7, "NON"), (8, 9, None), (9, 3, "OUI"), (9, 10, "NON")])
    t07b = tree("g2", "DIVERTICULITE COMPLIQUÉE", 6, {
        1: ("Patient avec diverticulite compliquée (abcès, fistules, péritonites d'origine diverticulaire, sténoses) Hospitalisation en urgence", "start"),
        2: ("Signes de péritonite ou sepsis mal contrôlé", "question"), 3: ("Chirurgie en urgence", "action"),
        4: ("Traitement médical", "action"), 5: ("État de choc ou à haut risque de complications", "question"),
        6: ("Présence d'un abcès", "question"),
        7: ("Hinchey I ou II Résection-anastomose plus ou moins protégée en cas d'échec du traitement médical", "end"),
        8: ("Hinchey III ou IV Résection-anastomose protégée ou Hartmann", "end"),
        9: ("Intervention de Hartmann", "end"), 10: ("Taille > 3 cm et accessible", "action"),
        11: ("Taille ≤ 3 cm ou inaccessible", "action"), 12: ("Drainage radiologique", "action"),
        14: ("Antibiothérapie exclusive", "action"), 15: ("Mauvaise évolution clinique", "question"),
        16: ("Poursuite du traitement médical", "action")},
        [(1, 2, None), (2, 3, "OUI"), (2, 4, "NON"), (3, 5, None), (5, 7, "NON"), (5, 8, "NON"), (5, 9, "OUI"),
         (4, 6, None), (6, 10, "OUI"), (6, 11, "OUI"), (6, 14, "NON"), (10, 12, None), (11, 14, None),
         (12, 14, "Échec"), (12, 15, None), (14, 16, None), (15, 3, "OUI"), (15, 16, "NON"), (16, 15, None)])
    write(D07, s07, [t07a, t07b], {"statement_pages": [1, 2, 3, 4], "tree_pages": [5, 6]})

    s01 = statements(D01, [
        (12, "L'activité physique est une thérapeutique", "(grade B).", "B", "R.13"),
        (12, "Il est recommandé d'encourager les sujets", "en cours*.", "B", "R.14"),
        (12, "Il est recommandé d'encourager les patients vivant avec un DT2 à diminuer", "(grade B).", "B", "R.15"),
        (12, "Il est recommandé d'encourager les patients vivant avec un DT2 à rompre", "(grade C).", "C", "R.16"),
        (12, "Les exercices d'assouplissement", "(grade AE).", "AE", "R.17"),
        (12, "Il faut parfois commencer", "(grade AE).", "AE", "R.18"),
        (12, "Une évaluation médicale minimale", "(grade AE).", "AE", "R.19"),
        (12, "Une consultation médicale d'AP est préconisée", "d'intensité élevée.", "AE", "R.19"),
        (12, "Les patients vivant avec un DT2 inactifs", "d'intensité modérée.", "AE", "R.19"),
        (12, "Elle peut se justifier", "(grade AE).", "AE", "R.19"),
        (12, "Un bilan médical annuel du diabète", "(grade AE).", "AE", "R.20"),
        (13, "Une consultation avec un spécialiste", "(grade AE).", "AE", "R.20"),
        (13, "Une épreuve d'effort est préconisée", "(grade C).", "C", "R.21"),
        (13, "La prescription d'activité physique est individualisée", "(grade AE).", "AE", "R.22"),
        (13, "Les patients avec un DT2 doivent souvent", "(grade AE).", "AE", "R.23"),
        (13, "Prescrire un programme d'AP adaptée", "(grade AE).", "AE", "R.24"),
        (13, "Tous les professionnels de santé en contact", "(grade AE).", "AE", "R.25"),
        (13, "Il est recommandé que les patients vivant avec un DT2 bénéficient", "(grade AE).", "AE", "R.26"),
        (13, "Il est recommandé de porter attention aux points de vigilance", "etc.", "AE", "R.27"),
        (13, "Il est recommandé de porter attention aux situations particulières", "en particulier :", "AE", "R.28"),
    ])
    write(D01, s01, [], {"statement_pages": [12, 13], "tree_pages": []})

    t04 = tree("g1", "Parcours du patient candidat à la chirurgie bariatrique", 5, {
        1: ("Patient adulte en échec de traitement médical bien conduit", "start"),
        2: ("1ère consultation par un praticien expérimenté dans la prise en charge chirurgicale de l'obésité", "action"),
        3: ("Indication de chirurgie", "question"), 4: ("Orientation vers une prise en charge non chirurgicale", "end"),
        5: ("Prise en charge pluridisciplinaire", "action"),
        6: ("Patient informé par écrit et oralement par l'équipe pluridisciplinaire + médecin traitant + association de patients", "action"),
        7: ("Information comprise par le patient", "question"), 8: ("Répétition et reformulation des explications", "end"),
        9: ("Bilan et prise en charge sur les plans médical, nutritionnel, diététique et activité physique", "action"),
        10: ("Bilan et prise en charge psychologique et / ou psychiatrique", "action"),
        11: ("Décision d'intervention en concertation pluridisciplinaire", "action"),
        12: ("Chirurgie contre-indiquée", "question"), 13: ("Accord pour la chirurgie", "question"),
        14: ("Report de la chirurgie", "question"),
        15: ("Compléter l'information et / ou l'évaluation et / ou la prise en charge", "end"),
        16: ("Orientation vers une prise en charge non cirurgicale", "end"), 17: ("Intervention réalisée", "action"),
        18: ("Suivi par l'équipe pluridisciplinaire + relais médecin traitant", "action"),
        19: ("Suivi et prise en charge sur les plans médical, nutritionnel, diététique et activité physique", "end"),
        20: ("Suivi et prise en charge psychologique et / ou psychiatrique", "end"), 21: ("Suivi chirurgical", "end")},
        [(1, 2, None), (2, 3, None), (3, 4, "Non"), (3, 5, "Oui"), (5, 6, None), (6, 7, None), (7, 8, "Non"),
         (7, 9, "Oui"), (7, 10, "Oui"), (9, 11, None), (10, 11, None), (11, 12, None), (11, 13, None),
         (11, 14, None), (12, 15, "Oui"), (13, 17, None), (14, 16, "Oui"), (17, 18, None), (18, 19, None),
         (18, 20, None), (18, 21, None)])
    write(D04, [], [t04], {"statement_pages": [], "tree_pages": [5]})

    doc = document(D10)
    t10 = tree("g1", "Figure 17. Algorithme synthétique", 113, {
        1: (span(doc, 113, "Une hospitalisation à domicile (HAD) est impossible si", "l'HAD si nécessaire."), "action"),
        2: (span(doc, 113, "L'état de santé du patient nécessite-il", "spécifiques, etc."), "question"),
        3: (span(doc, 113, "Le patient nécessite-t-il des soins", "MEOPA, etc."), "question"),
        4: (span(doc, 113, "Le patient relève-t-il", "de la prématurité)."), "question"),
        5: (span(doc, 113, "L'état de santé du patient nécessite-t-il une charge", "sur son lieu de vie ?"), "question"),
        6: ("Patient éligible à une HAD", "end"),
        7: (span(doc, 113, "L'état du patient répond-il", "au domicile, etc.)."), "question"),
        8: (span(doc, 113, "La mise en place du projet", "besoin de coordination important ?"), "question"),
        9: (span(doc, 113, "L'état de santé du patient nécessite-t-il une continuité", "télé-prescription) ?"), "question"),
        10: ("Patient éligible à une HAD", "end"), 11: ("Patient non éligible à une HAD", "end")},
        [(2, 6, "OUI"), (3, 6, "OUI"), (4, 6, "OUI"), (5, 6, "OUI"), (5, 7, "NON"), (7, 8, "OUI"), (7, 11, "NON"),
         (8, 10, "OUI"), (8, 9, "NON"), (9, 10, "OUI"), (9, 11, "NON")])
    t10r = tree("g2", "Figure 2. Logigramme de sélection des séjours réalisés en HAD en 2015", 38, {
        1: ("174 046 séjours 105 783 patients", "start"),
        2: ("Séjours avec erreur de chaînage Nb = 831 séjours exclus", "end"),
        3: ("173 215 séjours 105 318 patients", "action"),
        4: ("Séjours pour lesquels l'ensemble des sous-séquences sont en GHPC erreur (9999) Nb = 2 657 séjours exclus", "end"),
        5: ("170 558 séjours 103 670 patients", "action"),
        6: ("Séjours dédoublés, problème de codage Nb = 331 séjours exclus", "end"),
        7: ("170 227 séjours 103 670 patients", "action"),
        8: ("Séjours avec un MPP 20 Nb = 622 séjours exclus", "end"),
        9: ("169 605 séjours 103 049 patients", "action"),
        10: ("Séjours non terminés en 2015 Nb = 12 006 séjours exclus", "end"),
        11: ("157 599 séjours 95 822 patients", "action"),
        12: ("Séjours débutés avant 2014 ou non reconstitués en 2014 Nb = 705 séjours exclus", "end"),
        13: ("156 894 séjours 95 362 patients", "action"),
        14: ("Séjours avec incohérence sur la durée Nb = 63 séjours exclus", "end"),
        15: ("156 831 séjours 95 362 patients", "end")},
        [(1, 2, None), (1, 3, None), (3, 4, None), (3, 5, None), (5, 6, None), (5, 7, None), (7, 8, None),
         (7, 9, None), (9, 10, None), (9, 11, None), (11, 12, None), (11, 13, None), (13, 14, None), (13, 15, None)])
    t10r["source"] = "raster"
    write(D10, [], [t10, t10r], {"statement_pages": [], "tree_pages": [38, 113]})

    t14 = tree("g1", "Figure 1 : vue d'ensemble du parcours de soins d'un patient atteint de MCS", 14, {
        1: ("Médecin généraliste", "start"), 2: ("Doute sur SCA SCA avéré", "question"),
        3: ("Appeler centre 15 sans délai", "action"), 4: ("Si SCA avéré : aspirine per os", "end"),
        5: ("Pas de SCA ---> MCS ?", "question"), 6: ("Repérér", "action"),
        7: ("Interrogatoire (âge, sexe, type de douleurs)", "action"), 8: ("Évaluation pré test", "action"),
        9: ("Orienter vers le cardiologue", "action"),
        10: ("Appel téléphonique ou courrier Sans urgence (délai à adapter au contexte clinique)", "action"),
        11: ("Ex. biologiques Rx thoracique ECG si disponible", "end"), 12: ("Cardiologue", "action"),
        13: ("Confirmer le diagnostic", "action"), 14: ("Évaluer le risque d'événements futurs", "action"),
        15: ("Exploration non invasives", "action"), 16: ("Ischémie ?", "question"),
        17: ("Diagnostic différentiel", "end"), 18: ("Coronarographie", "action"), 19: ("Sténose ?", "question"),
        20: ("Angor avec artères coronaires normales", "action"), 21: ("Traitement médical optimal adapté", "action"),
        22: ("Indication de revascularisation?", "question"), 23: ("Traitement médical optimal", "action"),
        24: ("Traitement médical optimal + choix de la technique de revascularisation", "action"),
        25: ("Annoncer le diagnostic", "action"), 26: ("Initier le traitement médical optimal", "action"),
        27: ("Retour d'information vers le médecin généraliste", "action"),
        28: ("Suivi pluriprofessionnel dont recours à un SSR cardiovasculaire", "end")},
        [(1, 2, None), (1, 5, None), (2, 3, None), (3, 4, None), (5, 6, None), (5, 9, None), (6, 7, None),
         (7, 8, None), (9, 10, None), (10, 11, None), (8, 12, None), (12, 13, None), (13, 14, None),
         (13, 15, None), (14, 15, None), (15, 16, None), (16, 18, "oui"), (16, 17, "non"), (16, 25, "oui"),
         (18, 19, None), (19, 20, "non"), (19, 22, "oui"), (20, 21, None), (22, 23, "non"), (22, 24, "oui"),
         (21, 28, None), (23, 28, None), (24, 28, None), (25, 26, None), (26, 27, None), (27, 28, None)])
    t14b = tree("g2", "Figure 2: Démarche diagnostique initiale en cas de suspicion de coronaropathie stable", 17, {
        1: ("Age Sexe Type de douleurs thoraciques", "start"),
        2: ("Évaluation de la probabilité prétest (PPT) de la présence d'une sténose coronarienne", "question"),
        3: ("PPT faible (< 15 %)", "question"), 4: ("PPT intermédiaire (< 15-85 %)", "question"),
        5: ("PPT élevée (> 85 %)", "question"),
        6: ("Analyser les autres causes. Envisager une maladie coronarienne fonctionnelle", "action"),
        7: ("Examens non-invasifs à visée diagnostique", "end"), 8: ("Évaluation pronostique", "action"),
        9: ("Echocardiographie de repos", "end")},
        [(1, 2, None), (2, 3, None), (2, 4, None), (2, 5, None), (3, 6, None), (4, 7, None), (5, 8, None),
         (6, 9, None), (8, 9, None)])
    t14c = tree("g3", "Figure 3: Conduite à tenir en fonction du niveau de risque de mortalité", 29, {
        1: ("Diagnostic de maladie coronarienne confirmé", "start"),
        2: ("risque d'événement faible (mortalité < 1 % / an)", "question"),
        3: ("risque d'événement intermédiaire (mortalité > ou = 1 % mais <3 % / an)", "question"),
        4: ("Risque élevé d'événements (mortalité de 3 % / an)", "question"),
        5: ("Traitement médical optimal et envisager une coronarographie (en fonction des comorbidités et des préférences des patients)", "action"),
        6: ("Coronarographie (+ FFR si nécessaire) (+ revascularisation lorsque appropriée) + Traitement médical optimal", "end"),
        7: ("Essai de traitement médical optimal", "action"), 8: ("Poursuite du traitement médical optimal", "end"),
        9: ("Symptômes améliorés ?", "question"), 10: ("Intensification du traitement médical", "action"),
        11: ("Symptômes améliorés?", "question")},
        [(1, 2, None), (1, 3, None), (1, 4, None), (2, 7, None), (3, 5, None), (4, 6, None), (5, 7, None),
         (5, 6, None), (7, 9, None), (9, 8, "Oui"), (9, 10, "Non"), (10, 11, None), (11, 8, "Oui"), (11, 6, "Non")])
    write(D14, [], [t14, t14b, t14c], {"statement_pages": [], "tree_pages": [14, 17, 29]})
