from django.urls import path

from confide.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("practice/settings/", views.practice_settings, name="practice-settings"),
    path("practice/staff/", views.staff_list, name="staff-list"),
    path("practice/staff/<int:member_id>/active", views.set_member_active, name="staff-set-active"),
    path("practice/invitations/<int:invitation_id>/revoke", views.revoke_invitation, name="invitation-revoke"),
    path("invite/<str:token>/", views.accept_invitation, name="invitation-accept"),
    path("account/security/", views.account_security, name="account-security"),
    path("account/sign-out-everywhere", views.sign_out_everywhere, name="sign-out-everywhere"),
    path("session/status", views.session_status, name="session-status"),
    path("session/keepalive", views.session_keepalive, name="session-keepalive"),
    path("vault/unlock", views.vault_unlock, name="vault-unlock"),
    path("healthz", views.healthz, name="healthz"),
]
