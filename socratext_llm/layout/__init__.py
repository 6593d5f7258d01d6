"""Layout stage: reading order, structure (headings), and what later grows here (tables, drawings).

Each module has one job; the pipeline calls ``group_lines`` then ``build_blocks``.
"""
from .headings import numbering_depth
from .reading_order import LineGroup, build_blocks, group_lines, rows_in_order

__all__ = ["LineGroup", "build_blocks", "group_lines", "numbering_depth", "rows_in_order"]
