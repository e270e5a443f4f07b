"""The demonstration behind ``hpfold demo``: Levinthal's paradox and the folding funnel, measured."""
