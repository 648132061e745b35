"""Parsers of Xen and dom0 network configs (facts with locations) and the static rules that judge them."""
