"""Simulating a draft policy over the registry: draft against the policies in force."""
