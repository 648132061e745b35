"""The exit status of every xennet command, and what SARIF's invocation reports."""

EXIT_CLEAN = 0  # nothing at or above --fail-on
EXIT_FINDINGS = 1  # findings at or above --fail-on
EXIT_USAGE = 2  # the run could not do its job: bad usage, a broken config, an unreadable input
