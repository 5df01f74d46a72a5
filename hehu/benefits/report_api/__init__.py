"""Benefit reports and the supervision of fund use over the API.

- `GET /api/v1/benefits/statements/?month=2026-03&region=5115` the monthly disbursement
  statement of a region (default: this month, the caller's first region): per programme,
  the next level's rows, each county's roll status. Aggregates only.
- `GET /api/v1/benefits/budget/?year=2026&region=5115` the year's cost: approved rolls
  actual, the rest of the year projected; by month, programme and next-level region.
- `GET /api/v1/benefits/anomalies/?kind=&status=open|explained|confirmed|all&county=` the
  fund-use anomalies of the caller's counties (paged); `.../anomalies/kinds/?status=` how
  many of each kind; `GET .../anomalies/<id>/` one, with the children and the payment;
  `POST .../anomalies/<id>/resolve/` {outcome, note, version} explains or confirms it.

Reports are for those who read aggregates or pay (a region outside one's jurisdiction is
404); anomalies name children and are for county civil affairs who handle benefits only.
Thin: hehu.benefits.reports computes, hehu.benefits.anomalies.service decides.
"""
