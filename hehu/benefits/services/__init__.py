"""Benefit services: enrolments, accounts, aid, payment cycles, bank files, supervision."""
