"""Layout stage: reading order, headings, document structure (kinds, paragraphs, sections), text flow.

Each module has one job; the pipeline calls ``group_lines`` then ``build_blocks`` per page, and
``cut_blocks`` then, once the document is read, ``annotate_sketches`` on the pages' sketches.
"""
from .headings import numbering_depth
from .reading_order import LineGroup, build_blocks, group_lines, rows_in_order
from .structure import annotate_sketches, block_text, cut_blocks, paragraph_text, paragraphs

__all__ = ["LineGroup", "annotate_sketches", "block_text", "build_blocks", "cut_blocks", "group_lines", "numbering_depth",
           "paragraph_text", "paragraphs", "rows_in_order"]
