"""`xennet collect`: gather on a live dom0 everything xennet's analyzers read into one tar.gz bundle.

The pieces, one job each: `commands` (what to gather and under which sosreport name), `runner`
(run one command, bounded in time and output), `files` (copy config files), `capture` (tcpdump on
vif/bridge ports, bounded in time and bytes), `manifest` (what each step did), `gather` (runs the
steps in order), `writer` (the archive, written atomically), `bundle` (work folder, gather, manifest,
archive), `units` (durations and sizes) and `command` (the click command). docs/collect.md has the
user's view.
"""
