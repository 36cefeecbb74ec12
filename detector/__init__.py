"""kefuguard scoring core: normalizer, signals and (later) the message model.

The core does no network or database I/O: it loads artifacts and answers.
"""

__version__ = "0.1.0"
