"""Benefit reports: the monthly disbursement statement, the budget, their Excel workbooks,
and the reads of the supervision (anomaly) pages."""
