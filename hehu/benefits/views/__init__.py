"""Benefit pages: the county's payment desk (desk), a payment cycle (cycles, bank), a
child's benefits and the forms that change them (children, child_forms)."""
