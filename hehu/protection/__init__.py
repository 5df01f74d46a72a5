"""Protection (issue 5): compulsory reports, emergency removal and temporary care, the
guardianship intervention ladder, and the facts they change (DOMAIN.md §7, §8)."""
