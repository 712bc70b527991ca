"""Natural-language understanding: language, intent, entities and urgency for every message.

Pure functions; the only I/O is the optional Rasa HTTP back-end. See ``nlu.types`` for the
contract.
"""
