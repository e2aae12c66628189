from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "confide.practice"
    label = "practice"
