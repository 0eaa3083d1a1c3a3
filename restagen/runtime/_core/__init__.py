"""The core of the runtime: models, codecs, errors, specs, contexts and calls (private)."""
