"""Pages of the benefit reports: the monthly disbursement statement and the budget, and
their Excel workbooks ("benefit_reports:")."""

from django.urls import URLPattern, path

from hehu.benefits.report_views import reports

app_name = "benefit_reports"

urlpatterns: list[URLPattern] = [
    path("benefits/reports/statement/", reports.statement_page, name="statement"),
    path("benefits/reports/statement.xlsx", reports.statement_download, name="statement_export"),
    path("benefits/reports/budget/", reports.budget_page, name="budget"),
    path("benefits/reports/budget.xlsx", reports.budget_download, name="budget_export"),
]
