"""The coverage gaps page (included with the simulation pages under "policy:")."""

from django.urls import path

from hehu.policy.gaps import views

urlpatterns = [
    path("gaps/", views.gaps_list, name="gaps"),
]
