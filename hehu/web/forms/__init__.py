"""Forms of the web UI: they parse what was typed; the registry services decide the rules."""
