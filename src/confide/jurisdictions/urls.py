from django.urls import path

from confide.consent import views as consent
from confide.jurisdictions import views

urlpatterns = [
    path("jurisdiction/", views.review, name="jurisdiction-review"),
    path("consent/", consent.policy, name="consent-policy"),
    path("consent/preview", consent.preview, name="consent-preview"),
    path("consent/preview.pdf", consent.preview_pdf, name="consent-preview-pdf"),
]
