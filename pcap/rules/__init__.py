"""Capture rules (family P), one module each, same contract as xennet.lint.rules (see xennet.registry).
Their `check(model)` reads `model.captures` (a CaptureSet) and yields nothing when there is none."""
