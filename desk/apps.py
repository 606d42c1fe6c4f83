from django.apps import AppConfig


class DeskConfig(AppConfig):
    """The moderator's desk: queue, review page, upload, people and audit pages, the desk's API.

    It sits above the core (`dashboard`) and the satellites, and may import both; nothing
    below it imports the desk.
    """

    name = "desk"
    verbose_name = "Moderator's desk"
