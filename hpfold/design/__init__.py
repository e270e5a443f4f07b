"""Sequence space: designing sequences and designable structures, by exhaustive scans of all 2^N sequences.

Public names are imported lazily (nothing compiles at import).
"""
from .._lazy import lazy_exports

_LAZY = {
    "designability": "hpfold.design.designability",
    "DesignabilityResult": "hpfold.design.designability",
    "structure_table": "hpfold.design.structures",
    "StructureTable": "hpfold.design.structures",
    "contact_pairs": "hpfold.design.structures",
    "encode_sequence": "hpfold.design.scan",
    "decode_sequence": "hpfold.design.scan",
    "estimate_scan": "hpfold.design.scan",
    "ScanTooLarge": "hpfold.design.scan",
    "funnel_survey": "hpfold.design.funnels",
    "FunnelSurvey": "hpfold.design.funnels",
    "sequence_metrics": "hpfold.design.funnels",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _LAZY, globals())
