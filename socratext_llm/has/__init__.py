"""HAS clinical recommendations: graded statements, metadata, decision trees and their outputs.

``model.py`` is the fixed shape shared by the statement extractor (``statements.py``) and the
decision trees and exports (``flowcharts.py``, ``textual_trees.py``, ``fhir.py``, ``report.py``,
``export.py``).
"""
